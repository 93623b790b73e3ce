"""`adapterctl tenants …` and `adapterctl keys …` against a real control plane."""

from __future__ import annotations

import httpx
import pytest

from tests.control_plane.cli.adapterctl.conftest import Cli, error_line
from tests.control_plane.conftest import unique_name

BAD_NAMES = {
    "slash": "acme/corp",
    "dot-dot": "..",
    "uppercase": "Acme",
    "too-long": "a" * 200,
}


def tenant_names(cli: Cli) -> set[str]:
    return {tenant["name"] for tenant in cli.json("tenants", "list")}


def test_create_and_list_tenants(cli: Cli) -> None:
    name = unique_name("acme")
    created = cli.ok("tenants", "create", name, "--display-name", "Acme Corp")
    assert created.stdout == f"tenant {name} created\n"

    table = cli.ok("tenants", "list").stdout.splitlines()
    assert table[0].split() == ["NAME", "DISPLAY", "NAME", "CREATED"]
    row = next(line for line in table if line.startswith(name + " "))
    assert "Acme Corp" in row and "UTC" in row

    assert name in tenant_names(cli)
    created_json = cli.json("tenants", "create", unique_name("json"))
    assert set(created_json) == {"name", "display_name", "created_at"}


def test_creating_a_tenant_twice_is_refused(cli: Cli, tenant: str) -> None:
    assert error_line(cli.fails("tenants", "create", tenant)) == f"error: tenant {tenant!r} already exists"


@pytest.mark.parametrize("name", BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_a_bad_tenant_name_is_refused_and_nothing_is_created(cli: Cli, name: str) -> None:
    before = tenant_names(cli)
    stderr = cli.fails("tenants", "create", name)
    assert error_line(stderr) == (
        f"error: invalid tenant name {name!r}: use 1-63 characters a-z, 0-9 and '-', starting with a letter or digit"
    )
    assert tenant_names(cli) == before


def test_only_the_admin_creates_tenants(cli: Cli, admin: httpx.Client, tenant: str) -> None:
    key = admin.post(f"/v1/tenants/{tenant}/keys", json={}).json()["key"]
    before = tenant_names(cli)
    stderr = cli.with_token(key).fails("tenants", "create", unique_name("sneaky"))
    assert error_line(stderr) == "error: this operation needs the admin token"
    assert tenant_names(cli) == before
    # A tenant key sees its own tenant only.
    assert [t["name"] for t in cli.with_token(key).json("tenants", "list")] == [tenant]


def test_create_list_and_revoke_keys(cli: Cli, tenant: str) -> None:
    created = cli.ok("keys", "create", tenant, "--name", "ci")
    first_line, key_line = created.stdout.splitlines()
    assert first_line.startswith("key ") and first_line.endswith(f" created for tenant {tenant}")
    key_id = first_line.split()[1]
    assert key_line.startswith(f"ap_{key_id}_")
    assert "only time the key is shown" in created.stderr

    as_json = cli.json("keys", "create", tenant, "--name", "deploy")
    assert as_json["key"].startswith(f"ap_{as_json['key_id']}_") and as_json["name"] == "deploy"

    table = cli.ok("keys", "list", tenant).stdout
    assert key_id in table and as_json["key_id"] in table and "ap_" not in table
    listed = {k["key_id"]: k for k in cli.json("keys", "list", tenant)}
    assert set(listed) == {key_id, as_json["key_id"]}
    assert all("key" not in k for k in listed.values())

    # The key works for its tenant until it is revoked.
    assert cli.with_token(key_line).json("adapters", "list") == []
    assert cli.ok("keys", "revoke", tenant, key_id).stdout == f"key {key_id} of tenant {tenant} revoked\n"
    revoked = {k["key_id"]: k["revoked_at"] for k in cli.json("keys", "list", tenant)}
    assert revoked[key_id] is not None and revoked[as_json["key_id"]] is None

    stderr = cli.with_token(key_line).fails("adapters", "list")
    assert stderr.splitlines() == [
        "error: invalid, revoked or unknown API key",
        "hint: the token was refused; set ADAPTERCTL_TOKEN (or --token) to the admin token or a tenant API key",
    ]
    assert error_line(cli.fails("keys", "revoke", tenant, key_id)) == f"error: key {key_id!r} is already revoked"
    assert cli.json("keys", "revoke", tenant, as_json["key_id"])["revoked_at"] is not None


def test_a_revoked_key_changes_nothing(cli: Cli, tenant: str) -> None:
    key = cli.json("keys", "create", tenant)
    cli.ok("keys", "revoke", tenant, key["key_id"])
    before = cli.json("keys", "list", tenant)
    stderr = cli.with_token(key["key"]).fails("keys", "create", tenant)
    assert error_line(stderr) == "error: invalid, revoked or unknown API key"
    assert cli.json("keys", "list", tenant) == before


def test_a_tenant_key_cannot_manage_another_tenants_keys(cli: Cli, tenant: str) -> None:
    other = cli.json("tenants", "create", unique_name("other"))["name"]
    key = cli.json("keys", "create", tenant)["key"]
    stderr = cli.with_token(key).fails("keys", "create", other)
    assert stderr.splitlines()[0] == f"error: this key belongs to tenant {tenant!r}, not {other!r}"
    assert stderr.splitlines()[1].startswith("hint: tenant API keys act on their own tenant only")
    assert cli.json("keys", "list", other) == []


def test_keys_of_a_missing_tenant(cli: Cli) -> None:
    missing = unique_name("missing")
    assert error_line(cli.fails("keys", "list", missing)) == f"error: tenant {missing!r} does not exist"
    assert error_line(cli.fails("keys", "create", "Bad")).startswith("error: invalid tenant name 'Bad'")
