"""`adapterctl adapters …` and `adapterctl versions …`."""

from __future__ import annotations

import pytest

from tests.control_plane.cli.adapterctl.conftest import BASE_MODEL, Cli, error_line


def test_adapters_list_and_show(cli: Cli, two_versions: str) -> None:
    tenant = two_versions.split("/")[0]
    table = cli.ok("adapters", "list", "--tenant", tenant).stdout.splitlines()
    assert table[0].split() == ["ADAPTER", "BASE", "MODEL", "VERSIONS", "CREATED"]
    assert table[1].split()[:3] == [two_versions, BASE_MODEL, "2"]
    assert [(a["tenant"], a["name"], a["versions"]) for a in cli.json("adapters", "list", "--tenant", tenant)] == [
        (tenant, "bot", 2)
    ]
    assert two_versions in {f"{a['tenant']}/{a['name']}" for a in cli.json("adapters", "list")}

    shown = cli.ok("adapters", "show", two_versions).stdout
    assert f"Adapter:    {two_versions}\n" in shown and f"Base model: {BASE_MODEL}\n" in shown
    assert "Versions:   2\n" in shown
    assert cli.json("adapters", "show", two_versions)["versions"] == 2


def test_a_tenant_key_sees_its_own_adapters_only(cli: Cli, two_versions: str) -> None:
    tenant = two_versions.split("/")[0]
    other = cli.json("tenants", "create", tenant + "-o")["name"]
    key = cli.json("keys", "create", other)["key"]
    assert cli.with_token(key).json("adapters", "list") == []
    assert error_line(cli.with_token(key).fails("adapters", "show", two_versions)) == (
        f"error: this key belongs to tenant {other!r}, not {tenant!r}"
    )
    assert error_line(cli.with_token(key).fails("adapters", "list", "--tenant", tenant)) == (
        f"error: this key belongs to tenant {other!r}, not {tenant!r}"
    )


def test_empty_lists_say_so_on_stderr(cli: Cli, tenant: str) -> None:
    result = cli.ok("adapters", "list", "--tenant", tenant)
    assert result.stdout == "" and "no adapters" in result.stderr
    assert cli.json("adapters", "list", "--tenant", tenant) == []


def test_versions_list_show_and_deprecate(cli: Cli, two_versions: str) -> None:
    table = cli.ok("versions", "list", two_versions).stdout.splitlines()
    assert table[0].split() == ["VERSION", "STATUS", "RANK", "SIZE", "DIGEST", "CREATED", "DESCRIPTION"]
    assert [line.split()[:3] for line in table[1:]] == [
        [f"{two_versions}:v1", "active", "4"],
        [f"{two_versions}:v2", "active", "8"],
    ]
    listed = cli.json("versions", "list", two_versions)
    assert [v["number"] for v in listed] == [1, 2]

    v2 = cli.json("versions", "show", f"{two_versions}:v2")
    assert v2 == listed[1]
    shown = cli.ok("versions", "show", f"{two_versions}:v2").stdout
    assert f"Version:        {two_versions}:v2\n" in shown
    assert f"Digest:         {v2['artifact_digest']}\n" in shown
    assert "Target modules: q_proj, v_proj\n" in shown
    for file in v2["files"]:  # every file with its full digest
        assert file["sha256"] in shown and file["name"] in shown

    assert cli.ok("versions", "deprecate", f"{two_versions}:v1").stdout == f"{two_versions}:v1 deprecated\n"
    assert cli.json("versions", "deprecate", f"{two_versions}:v2")["status"] == "deprecated"
    assert [v["status"] for v in cli.json("versions", "list", two_versions)] == ["deprecated", "deprecated"]
    assert error_line(cli.fails("versions", "deprecate", f"{two_versions}:v1")) == (
        f"error: {two_versions}:v1 is already deprecated"
    )


@pytest.mark.parametrize(
    "form", ["{ref}", "{ref}:3", "{ref}:v0", "{ref}@v1", "v1"], ids=["no version", "no v", "v0", "route", "bare"]
)
def test_versions_are_named_tenant_adapter_vn(cli: Cli, two_versions: str, form: str) -> None:
    text = form.format(ref=two_versions)
    assert error_line(cli.fails("versions", "show", text)) == (
        f"error: invalid version {text!r}: expected tenant/adapter:vN, e.g. acme/support-bot:v3"
    )
    assert error_line(cli.fails("versions", "deprecate", text)).startswith("error: invalid version")
    assert [v["status"] for v in cli.json("versions", "list", two_versions)] == ["active", "active"]


def test_missing_versions_and_adapters(cli: Cli, two_versions: str, tenant: str) -> None:
    assert error_line(cli.fails("versions", "show", f"{two_versions}:v9")) == (
        f"error: version {two_versions}:v9 does not exist"
    )
    assert error_line(cli.fails("versions", "list", f"{tenant}/nope")) == f"error: adapter {tenant}/nope does not exist"


def test_a_tenant_key_cannot_deprecate_another_tenants_version(cli: Cli, two_versions: str) -> None:
    other = cli.json("tenants", "create", two_versions.split("/")[0] + "-d")["name"]
    key = cli.json("keys", "create", other)["key"]
    assert error_line(cli.with_token(key).fails("versions", "deprecate", f"{two_versions}:v1")).startswith(
        f"error: this key belongs to tenant {other!r}"
    )
    assert cli.json("versions", "show", f"{two_versions}:v1")["status"] == "active"
