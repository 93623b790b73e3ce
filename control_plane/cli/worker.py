"""`adapterplane worker`: run vLLM's OpenAI server as an adapterplane worker."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import click

VLLM_SERVER_MODULE = "vllm.entrypoints.openai.api_server"
LEGACY_MIDDLEWARE = "vllm_plugin.legacy.LegacyAdapterplaneMiddleware"
PLUGIN_NAME = "adapterplane"
#: vLLM flags the worker owns or that would bypass it.
_REFUSED_VLLM_FLAGS = {
    "--api-key": "tenant keys are checked by adapterplane; vLLM's --api-key would reject them",
    "--api-server-count": "runtime LoRA loading needs a single API server process",
    "--lora-modules": "adapters are served by version name from the control plane, not statically",
}


@click.command(
    "worker",
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
)
@click.option("--control-plane", "control_plane", metavar="URL", envvar="ADAPTERPLANE_CONTROL_PLANE_URL",
              help="Control plane URL [env ADAPTERPLANE_CONTROL_PLANE_URL].")
@click.option("--model", required=True, metavar="PATH", help="Base model directory (or hub id) for vLLM.")
@click.option("--served-model-name", metavar="NAME", help="Base model name users type (default: vLLM's).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="TCP port.")
@click.option("--routing-table", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              envvar="ADAPTERPLANE_ROUTING_TABLE_FILE",
              help="Routing table file (default: under ADAPTERPLANE_DATA_DIR). Without --control-plane "
                   "the worker serves from this file alone.")
@click.argument("vllm_args", nargs=-1, type=click.UNPROCESSED)
def worker(control_plane, model, served_model_name, host, port, routing_table, vllm_args) -> None:
    """Run vLLM's OpenAI server with LoRA and the adapterplane plugin.

    Everything after `--` goes to vLLM unchanged. The worker registers with the control plane,
    serves tenant requests with their keys, and keeps serving from its saved routing table
    while the control plane is down.

    \b
    Examples:
      adapterplane worker --control-plane http://cp:8000 --model /models/llama \\
          --served-model-name llama -- --max-loras 4 --max-lora-rank 32
      adapterplane worker --routing-table table.json --model ./smollm2 --port 8100
    """
    from vllm_plugin.config import LISTEN_PORT_VARIABLE, ConfigError, load_settings

    if control_plane is None and routing_table is None:
        raise click.UsageError("give --control-plane URL (or, to serve from a file only, --routing-table FILE)")
    for flag in vllm_args:
        name = flag.split("=", 1)[0]
        if name in _REFUSED_VLLM_FLAGS:
            raise click.UsageError(f"{name} is not allowed: {_REFUSED_VLLM_FLAGS[name]}")
    env = worker_environment(os.environ, control_plane, routing_table)
    if not has_endpoint_plugins():
        # Older vLLM: the same plugin, attached through vLLM's --middleware flag instead.
        vllm_args = ("--middleware", LEGACY_MIDDLEWARE, *vllm_args)
        env[LISTEN_PORT_VARIABLE] = str(port)
    os.environ.update(env)
    try:
        load_settings()
    except ConfigError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    argv = vllm_command(model, served_model_name, host, port, list(vllm_args))
    click.echo(f"starting vLLM: {' '.join(argv[1:])}", err=True)
    os.execvpe(argv[0], argv, {**os.environ, **env})


def has_endpoint_plugins() -> bool:
    """Whether the installed vLLM loads `vllm.endpoint_plugins` entries."""
    return importlib.util.find_spec("vllm.plugins.endpoint_plugins") is not None


def worker_environment(environ, control_plane: str | None, routing_table: Path | None) -> dict[str, str]:
    """The variables that make vLLM an adapterplane worker (keeping the caller's other plugins)."""
    plugins = [name for name in environ.get("VLLM_PLUGINS", "").split(",") if name]
    if PLUGIN_NAME not in plugins:
        plugins.append(PLUGIN_NAME)
    env = {
        "VLLM_PLUGINS": ",".join(plugins),
        "VLLM_ALLOW_RUNTIME_LORA_UPDATING": "True",
    }
    if control_plane:
        env["ADAPTERPLANE_CONTROL_PLANE_URL"] = control_plane
    if routing_table:
        env["ADAPTERPLANE_ROUTING_TABLE_FILE"] = str(routing_table.resolve())
    return env


def vllm_command(model: str, served_model_name: str | None, host: str, port: int, extra: list[str]) -> list[str]:
    command = [sys.executable, "-m", VLLM_SERVER_MODULE, "--model", model, "--host", host, "--port", str(port)]
    if served_model_name:
        command += ["--served-model-name", served_model_name]
    if "--enable-lora" not in extra:
        command.append("--enable-lora")
    return command + extra


if __name__ == "__main__":
    worker()
