"""`adapterctl status` and `adapterctl workers list` (no worker is running in these tests)."""

from __future__ import annotations

from tests.control_plane.cli.adapterctl.conftest import BASE_MODEL, Cli, error_line


def test_status_without_workers(cli: Cli, two_versions: str) -> None:
    status = cli.json("status", two_versions)
    assert status["adapter"] == two_versions and status["base_model"] == BASE_MODEL
    assert [r["name"] for r in status["routes"]] == ["default"]
    assert status["routes"][0]["newest_revision"] == 1
    assert status["workers"] == []

    text = cli.ok("status", two_versions).stdout
    assert f"Adapter:    {two_versions}\n" in text
    assert "ROUTE    NEWEST  READY  PENDING  SERVING" in text
    assert f"no workers serve {BASE_MODEL}" in text


def test_status_of_a_missing_adapter(cli: Cli, tenant: str) -> None:
    assert error_line(cli.fails("status", f"{tenant}/nope")) == f"error: adapter {tenant}/nope does not exist"


def test_workers_list(cli: Cli, tenant: str) -> None:
    assert cli.json("workers", "list") == []
    result = cli.ok("workers", "list")
    assert result.stdout == "" and result.stderr == "no workers have registered\n"
    key = cli.json("keys", "create", tenant)["key"]
    assert error_line(cli.with_token(key).fails("workers", "list")) == "error: this operation needs the admin token"
