"""`adapterctl audit`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.control_plane.cli.adapterctl.conftest import Cli, error_line


def test_audit_of_a_tenant(cli: Cli, two_versions: str) -> None:
    tenant = two_versions.split("/")[0]
    cli.ok("split", "set", two_versions, "v1=90", "v2=10", "--reason", "canary")
    events = cli.json("audit", "--tenant", tenant)
    assert sorted(e["action"] for e in events) == [
        "adapter.create", "route.split", "route.split", "tenant.create", "version.publish", "version.publish",
    ]  # fmt: skip
    assert events[0]["action"] == "route.split" and events[-1]["action"] == "tenant.create"
    assert {e["tenant"] for e in events} == {tenant}
    assert events[0]["details"]["weights"] == {"v1": 90, "v2": 10}

    header, *rows = cli.ok("audit", "--tenant", tenant).stdout.splitlines()
    assert header.split() == ["WHEN", "ACTOR", "TENANT", "ACTION", "TARGET", "DETAILS"]
    assert rows[0].split()[:6] == [*rows[0].split()[:3], "admin", tenant, "route.split"]
    assert "weights={v1=90,v2=10}" in rows[0] and "reason=canary" in rows[0]

    only_splits = cli.json("audit", "--tenant", tenant, "--action", "route.split", "--limit", "1")
    assert [e["details"]["revision"] for e in only_splits] == [2]


def test_since(cli: Cli, tenant: str) -> None:
    assert [e["action"] for e in cli.json("audit", "--tenant", tenant, "--since", "1h")] == ["tenant.create"]
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert cli.json("audit", "--tenant", tenant, "--since", tomorrow) == []
    assert cli.json("audit", "--tenant", tenant, "--since", (datetime.now(UTC) - timedelta(days=1)).date().isoformat())
    result = cli.ok("audit", "--tenant", tenant, "--since", tomorrow)
    assert result.stdout == "" and result.stderr == "no audit events match\n"


def test_bad_since_fails_before_any_request(cli: Cli, tenant: str) -> None:
    for since in ("yesterday", "10", "2026-13-01"):
        assert error_line(cli.fails("audit", "--tenant", tenant, "--since", since)) == (
            f"error: invalid --since {since!r}: use an ISO 8601 time (2026-11-01, 2026-11-01T08:00:00Z) "
            "or a duration ago (30m, 2h, 7d)"
        )


def test_a_tenant_key_sees_its_own_events(cli: Cli, tenant: str) -> None:
    key = cli.json("keys", "create", tenant)["key"]
    events = cli.with_token(key).json("audit")
    assert events and {e["tenant"] for e in events} == {tenant}
    other = cli.json("tenants", "create", tenant + "-a")["name"]
    assert error_line(cli.with_token(key).fails("audit", "--tenant", other)) == (
        f"error: this key belongs to tenant {tenant!r}, not {other!r}"
    )
