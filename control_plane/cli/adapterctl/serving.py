"""`adapterctl status` and `adapterctl workers list`: what the workers really serve."""

from __future__ import annotations

from typing import Any

import click

from control_plane.cli.adapterctl import output
from control_plane.cli.adapterctl.arguments import adapter_argument
from control_plane.cli.adapterctl.client import adapter_path
from control_plane.cli.adapterctl.config import Config, global_options, pass_config
from control_plane.kit.names import AdapterRef

ROUTE_STATUS_COLUMNS: list[output.Column] = [
    ("ROUTE", lambda r: r["name"]),
    ("NEWEST", lambda r: r["newest_revision"]),
    ("READY", lambda r: r["ready_revision"]),
    ("PENDING", lambda r: r["pending"]),
    ("SERVING", lambda r: " ".join(f"v{version}={weight}" for version, weight in r["serving"].items()) or None),
]

WORKER_STATUS_COLUMNS: list[output.Column] = [
    ("WORKER", lambda w: w["name"]),
    ("STATE", lambda w: w["state"]),
    ("LAST HEARTBEAT", lambda w: output.when(w["last_heartbeat_at"])),
    ("VERSIONS", lambda w: [_version_state(v) for v in w["versions"]]),
]


def _version_state(version: dict[str, Any]) -> str:
    text = f"{version['version']} {version['state']}"
    return f"{text} ({version['error']})" if version.get("error") else text


@click.command()
@adapter_argument()
@global_options
@pass_config
def status(config: Config, adapter: AdapterRef) -> None:
    """Show where an adapter is loaded and whether its routes are ready.

    Per route: the newest revision, the newest one every worker can serve (ready) and the
    weights being served. Per worker: each version loaded, loading or failed (with the error).

    \b
    Examples:
      adapterctl status acme/support-bot
      adapterctl status acme/support-bot -o json
    """
    found = config.client().get(adapter_path(adapter.tenant, adapter.adapter, "status"))
    if config.json:
        output.emit_json(found)
        return
    click.echo(output.field_list([("Adapter", found["adapter"]), ("Base model", found["base_model"])]))
    click.echo()
    click.echo(output.table(found["routes"], ROUTE_STATUS_COLUMNS))
    click.echo()
    if found["workers"]:
        click.echo(output.table(found["workers"], WORKER_STATUS_COLUMNS))
    else:
        click.echo(f"no workers serve {found['base_model']}")
    for version, why in found["unplaced"].items():
        click.echo(f"{version} is not placed on any worker: {why}")


@click.group()
def workers() -> None:
    """List the vLLM workers registered with the control plane.

    \b
    Examples:
      adapterctl workers list
    """


@workers.command("list")
@global_options
@pass_config
def list_workers(config: Config) -> None:
    """List the workers: base model, state, capacity and last heartbeat (admin token only).

    \b
    Examples:
      adapterctl workers list
      adapterctl workers list -o json
    """
    output.listing(
        config,
        config.client().get("/v1/workers"),
        [
            ("NAME", lambda w: w["name"]),
            ("URL", lambda w: w["url"]),
            ("BASE MODEL", lambda w: w["base_model"]),
            ("STATE", lambda w: w["state"]),
            ("LOADED", lambda w: w["loaded"]),
            ("MAX LORAS", lambda w: w["max_loras"]),
            ("MAX RANK", lambda w: w["max_lora_rank"]),
            ("LAST HEARTBEAT", lambda w: output.when(w["last_heartbeat_at"])),
        ],
        empty="no workers have registered",
    )
