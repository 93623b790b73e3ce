"""`adapterctl base-models …`: the architectures adapters are published for."""

from __future__ import annotations

import json
from pathlib import Path

import click

from control_plane.cli.adapterctl import output
from control_plane.cli.adapterctl.client import segment
from control_plane.cli.adapterctl.config import Config, global_options, pass_config
from control_plane.cli.adapterctl.errors import CliError, local_check

BASE_MODEL_FIELDS: list[output.Column] = [
    ("Name", lambda m: m["name"]),
    ("Model type", lambda m: m["model_type"]),
    ("Hidden size", lambda m: m["hidden_size"]),
    ("Intermediate size", lambda m: m["intermediate_size"]),
    ("Layers", lambda m: m["num_hidden_layers"]),
    ("Attention heads", lambda m: m["num_attention_heads"]),
    ("KV heads", lambda m: m["num_key_value_heads"]),
    ("Head dim", lambda m: m["head_dim"]),
    ("Vocab size", lambda m: m["vocab_size"]),
    ("Created", lambda m: output.when(m["created_at"])),
]


def base_model_path(name: str) -> str:
    # Names such as HuggingFaceTB/SmolLM2-135M keep their '/': the server's route takes a path.
    # The name is checked first, since a '..' in it would change which path is requested.
    check_base_model_name_locally(name)
    return "/v1/base-models/" + "/".join(segment(part) for part in name.split("/"))


def check_base_model_name_locally(name: str) -> str:
    # The server's own rule, imported when used: its module brings SQLAlchemy.
    from control_plane.base_models.service import check_base_model_name

    return local_check(check_base_model_name, name)


@click.group("base-models")
def base_models() -> None:
    """Register and inspect base models (the architectures adapters are for).

    \b
    Examples:
      adapterctl base-models add HuggingFaceTB/SmolLM2-135M-Instruct --config ./config.json
      adapterctl base-models list
      adapterctl base-models show HuggingFaceTB/SmolLM2-135M-Instruct
    """


@base_models.command("add")
@click.argument("name", metavar="NAME")
@click.option(
    "--config", "config_path", required=True, metavar="PATH",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The model's Hugging Face config.json (its architecture fingerprint is recorded).",
)  # fmt: skip
@global_options
@pass_config
def add_base_model(config: Config, name: str, config_path: Path) -> None:
    """Register a base model under the name workers serve it as (admin token only).

    Adding the same name with the same architecture again changes nothing.

    \b
    Examples:
      adapterctl base-models add HuggingFaceTB/SmolLM2-135M-Instruct --config ./config.json
    """
    check_base_model_name_locally(name)
    model_config = read_json_object(config_path)
    client = config.client()
    response = client.send("POST", "/v1/base-models", json={"name": name, "config": model_config})
    added = client.decode("POST", "/v1/base-models", response)
    if response.status_code == 201:
        message = f"base model {added['name']} registered ({added['model_type']})"
    else:
        message = f"base model {added['name']} was already registered with this architecture"
    output.done(config, added, message)


@base_models.command("list")
@global_options
@pass_config
def list_base_models(config: Config) -> None:
    """List the registered base models.

    \b
    Examples:
      adapterctl base-models list
    """
    rows = config.client().get("/v1/base-models")
    output.listing(
        config,
        rows,
        [("NAME", lambda m: m["name"]), ("TYPE", lambda m: m["model_type"]), ("HIDDEN", lambda m: m["hidden_size"]),
         ("LAYERS", lambda m: m["num_hidden_layers"]), ("CREATED", lambda m: output.when(m["created_at"]))],
        empty="no base models; register one with 'adapterctl base-models add'",
    )  # fmt: skip


@base_models.command("show")
@click.argument("name", metavar="NAME")
@global_options
@pass_config
def show_base_model(config: Config, name: str) -> None:
    """Show a base model and its architecture fingerprint.

    \b
    Examples:
      adapterctl base-models show HuggingFaceTB/SmolLM2-135M-Instruct
    """
    output.record(config, config.client().get(base_model_path(name)), BASE_MODEL_FIELDS)


def read_json_object(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CliError(f"no such file: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read {path}: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(f"{path} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(data, dict):
        raise CliError(f"{path} must hold a JSON object (a model's config.json)")
    return data
