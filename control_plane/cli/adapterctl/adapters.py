"""`adapterctl adapters …` and `adapterctl versions …`."""

from __future__ import annotations

from typing import Any

import click

from control_plane.cli.adapterctl import output
from control_plane.cli.adapterctl.arguments import adapter_argument, tenant_option, version_argument
from control_plane.cli.adapterctl.client import adapter_path
from control_plane.cli.adapterctl.config import Config, global_options, pass_config
from control_plane.kit.names import AdapterRef

ADAPTER_FIELDS: list[output.Column] = [
    ("Adapter", lambda a: f"{a['tenant']}/{a['name']}"),
    ("Base model", lambda a: a["base_model"]),
    ("Versions", lambda a: a["versions"]),
    ("Created by", lambda a: a["created_by"]),
    ("Created", lambda a: output.when(a["created_at"])),
]

VERSION_COLUMNS: list[output.Column] = [
    ("VERSION", lambda v: v["name"]),
    ("STATUS", lambda v: v["status"]),
    ("RANK", lambda v: v["rank"]),
    ("SIZE", lambda v: output.human_size(v["size_bytes"])),
    ("DIGEST", lambda v: v["artifact_digest"][:12]),
    ("CREATED", lambda v: output.when(v["created_at"])),
    ("DESCRIPTION", lambda v: v["description"] or None),
]

VERSION_FIELDS: list[output.Column] = [
    ("Version", lambda v: v["name"]),
    ("Status", lambda v: v["status"]),
    ("Base model", lambda v: v["base_model"]),
    ("Rank", lambda v: v["rank"]),
    ("Alpha", lambda v: v["alpha"]),
    ("Target modules", lambda v: v["target_modules"]),
    ("Size", lambda v: output.human_size(v["size_bytes"])),
    ("Artifact", lambda v: v["artifact_uri"]),
    ("Digest", lambda v: v["artifact_digest"]),
    ("Source", lambda v: v["source"]),
    ("Description", lambda v: v["description"] or None),
    ("Labels", lambda v: v["labels"] or None),
    ("Created by", lambda v: v["created_by"]),
    ("Created", lambda v: output.when(v["created_at"])),
]

FILE_COLUMNS: list[output.Column] = [
    ("FILE", lambda f: f["name"]),
    ("SIZE", lambda f: output.human_size(f["size"])),
    ("SHA256", lambda f: f["sha256"]),
]



@click.group()
def adapters() -> None:
    """List and show adapters (a tenant's named LoRA adapters).

    \b
    Examples:
      adapterctl adapters list --tenant acme
      adapterctl adapters show acme/support-bot
    """


@adapters.command("list")
@tenant_option("Only this tenant's adapters.")
@global_options
@pass_config
def list_adapters(config: Config, tenant: str | None) -> None:
    """List the adapters you can see.

    \b
    Examples:
      adapterctl adapters list
      adapterctl adapters list --tenant acme -o json
    """
    rows = config.client().get("/v1/adapters", params={"tenant": tenant})
    output.listing(
        config,
        rows,
        [("ADAPTER", lambda a: f"{a['tenant']}/{a['name']}"), ("BASE MODEL", lambda a: a["base_model"]),
         ("VERSIONS", lambda a: a["versions"]), ("CREATED", lambda a: output.when(a["created_at"]))],
        empty="no adapters; publish one with 'adapterctl publish'",
    )  # fmt: skip


@adapters.command("show")
@adapter_argument()
@global_options
@pass_config
def show_adapter(config: Config, adapter: AdapterRef) -> None:
    """Show an adapter.

    \b
    Examples:
      adapterctl adapters show acme/support-bot
    """
    output.record(config, config.client().get(adapter_path(adapter.tenant, adapter.adapter)), ADAPTER_FIELDS)


@click.group()
def versions() -> None:
    """List, show and deprecate versions (immutable artifacts, tenant/adapter:vN).

    \b
    Examples:
      adapterctl versions list acme/support-bot
      adapterctl versions show acme/support-bot:v3
      adapterctl versions deprecate acme/support-bot:v1
    """


@versions.command("list")
@adapter_argument()
@global_options
@pass_config
def list_versions(config: Config, adapter: AdapterRef) -> None:
    """List an adapter's versions, oldest first.

    \b
    Examples:
      adapterctl versions list acme/support-bot
    """
    rows = config.client().get(adapter_path(adapter.tenant, adapter.adapter, "versions"))
    output.listing(config, rows, VERSION_COLUMNS, empty=f"{adapter} has no versions")


@versions.command("show")
@version_argument()
@global_options
@pass_config
def show_version(config: Config, version: AdapterRef) -> None:
    """Show a version: where it came from, its rank, files and digests.

    \b
    Examples:
      adapterctl versions show acme/support-bot:v3
      adapterctl versions show acme/support-bot:v3 -o json
    """
    found = config.client().get(adapter_path(version.tenant, version.adapter, "versions", str(version.version)))
    if config.json:
        output.emit_json(found)
        return
    click.echo(output.field_list((label, get(found)) for label, get in VERSION_FIELDS))
    click.echo()
    click.echo(output.table(found["files"], FILE_COLUMNS))


@versions.command("deprecate")
@version_argument()
@global_options
@pass_config
def deprecate_version(config: Config, version: AdapterRef) -> None:
    """Deprecate a version: it keeps serving where routed, but no new split may use it.

    \b
    Examples:
      adapterctl versions deprecate acme/support-bot:v1
    """
    found: dict[str, Any] = config.client().post(
        adapter_path(version.tenant, version.adapter, "versions", str(version.version), "deprecate")
    )
    output.done(config, found, f"{found['name']} deprecated")
