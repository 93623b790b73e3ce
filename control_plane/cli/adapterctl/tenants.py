"""`adapterctl tenants …` and `adapterctl keys …`."""

from __future__ import annotations

import re

import click

from control_plane.cli.adapterctl import output
from control_plane.cli.adapterctl.arguments import name_argument
from control_plane.cli.adapterctl.client import segment
from control_plane.cli.adapterctl.config import Config, global_options, pass_config
from control_plane.cli.adapterctl.errors import CliError


@click.group()
def tenants() -> None:
    """Create and list tenants (who owns adapters and keys).

    \b
    Examples:
      adapterctl tenants create acme --display-name "Acme Corp"
      adapterctl tenants list
    """


@tenants.command("create")
@name_argument("name", "tenant", "NAME")
@click.option("--display-name", default="", metavar="TEXT", help="A human-friendly name.")
@global_options
@pass_config
def create_tenant(config: Config, name: str, display_name: str) -> None:
    """Create a tenant (admin token only).

    \b
    Examples:
      adapterctl tenants create acme
      adapterctl tenants create acme --display-name "Acme Corp"
    """
    tenant = config.client().post("/v1/tenants", json={"name": name, "display_name": display_name})
    output.done(config, tenant, f"tenant {tenant['name']} created")


@tenants.command("list")
@global_options
@pass_config
def list_tenants(config: Config) -> None:
    """List the tenants you can see (a tenant key sees its own tenant).

    \b
    Examples:
      adapterctl tenants list
      adapterctl tenants list -o json
    """
    rows = config.client().get("/v1/tenants")
    output.listing(
        config,
        rows,
        [("NAME", lambda t: t["name"]), ("DISPLAY NAME", lambda t: t["display_name"] or None),
         ("CREATED", lambda t: output.when(t["created_at"]))],
        empty="no tenants",
    )  # fmt: skip


#: What `keys list` shows as KEY ID (the part after `ap_` in a key).
_KEY_ID = re.compile(r"[0-9a-f]{12}")


def check_key_id(value: str) -> str:
    if not _KEY_ID.fullmatch(value):
        raise CliError(f"invalid key id {value!r}: use the 12-character KEY ID that 'adapterctl keys list' shows")
    return value


@click.group()
def keys() -> None:
    """Create, list and revoke tenant API keys.

    A key acts on its own tenant only, on the control plane and for inference.

    \b
    Examples:
      adapterctl keys create acme --name ci
      adapterctl keys list acme
      adapterctl keys revoke acme 0123456789ab
    """


KEY_COLUMNS: list[output.Column] = [
    ("KEY ID", lambda k: k["key_id"]),
    ("NAME", lambda k: k["name"] or None),
    ("CREATED BY", lambda k: k["created_by"]),
    ("CREATED", lambda k: output.when(k["created_at"])),
    ("LAST USED", lambda k: output.when(k["last_used_at"])),
    ("REVOKED", lambda k: output.when(k["revoked_at"])),
]


@keys.command("create")
@name_argument("tenant", "tenant", "TENANT")
@click.option("--name", "label", default="", metavar="TEXT", help="A label for the key, e.g. who uses it.")
@global_options
@pass_config
def create_key(config: Config, tenant: str, label: str) -> None:
    """Create an API key for a tenant. The key is printed once: store it now.

    \b
    Examples:
      adapterctl keys create acme --name ci
      export ADAPTERCTL_TOKEN=$(adapterctl -o json keys create acme | jq -r .key)
    """
    created = config.client().post(f"/v1/tenants/{segment(tenant)}/keys", json={"name": label})
    output.done(config, created, f"key {created['key_id']} created for tenant {tenant}\n{created['key']}")
    output.note("warning: this is the only time the key is shown; it is stored only as a hash")


@keys.command("list")
@name_argument("tenant", "tenant", "TENANT")
@global_options
@pass_config
def list_keys(config: Config, tenant: str) -> None:
    """List a tenant's API keys (their ids and labels; never the keys).

    \b
    Examples:
      adapterctl keys list acme
    """
    rows = config.client().get(f"/v1/tenants/{segment(tenant)}/keys")
    output.listing(config, rows, KEY_COLUMNS, empty=f"tenant {tenant} has no keys")


@keys.command("revoke")
@name_argument("tenant", "tenant", "TENANT")
@click.argument("key_id", metavar="KEY_ID", callback=lambda _ctx, _param, value: check_key_id(value))
@global_options
@pass_config
def revoke_key(config: Config, tenant: str, key_id: str) -> None:
    """Revoke an API key; it stops working at once.

    KEY_ID is the 12-character id from 'keys list' (the part after 'ap_' in the key).

    \b
    Examples:
      adapterctl keys revoke acme 0123456789ab
    """
    revoked = config.client().delete(f"/v1/tenants/{segment(tenant)}/keys/{segment(key_id)}")
    output.done(config, revoked, f"key {revoked['key_id']} of tenant {tenant} revoked")
