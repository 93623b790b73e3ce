"""`adapterctl split set`, `history`, `rollback`, `routes list`: every refusal leaves the route's
history as it was."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.control_plane.cli.adapterctl.conftest import Cli, error_line, publish_via_api


def revisions(cli: Cli, ref: str, *route: str) -> list[dict]:
    return cli.json("history", ref, *route)


def recorded(cli: Cli, ref: str, *route: str) -> list[tuple[int, dict[int, int], int | None]]:
    """What a route's history says was decided (readiness comes later, from the reconciler)."""
    return [(r["number"], weights_of(r), r["rollback_of"]) for r in revisions(cli, ref, *route)]


def weights_of(revision: dict) -> dict[int, int]:
    return {arm["version"]: arm["weight"] for arm in revision["arms"]}


def test_split_set_history_and_routes_list(cli: Cli, two_versions: str) -> None:
    ref = two_versions
    changed = cli.ok("split", "set", ref, "v1=90", "v2=10", "--reason", "canary")
    assert changed.stdout == f"{ref} split set to v1=90 v2=10 (revision 2)\n"
    unchanged = cli.ok("split", "set", ref, "1=90", "2=10")  # N=W works too
    assert unchanged.stdout == f"{ref} unchanged: already v1=90 v2=10 (revision 2)\n"
    as_json = cli.json("split", "set", ref, f"{ref}:v1=50", "v2=50")  # so do full version names
    assert as_json["changed"] is True and as_json["current"]["number"] == 3
    assert weights_of(as_json["current"]) == {1: 50, 2: 50}

    table = cli.ok("history", ref).stdout.splitlines()
    assert table[0].split() == ["REVISION", "WEIGHTS", "BY", "WHEN", "REASON", "ROLLBACK", "OF", "READY"]
    assert [line.split()[:3] for line in table[1:]] == [
        ["3", "v1=50", "v2=50"],
        ["2", "v1=90", "v2=10"],
        ["1", "v1=100", "admin"],
    ]
    assert "canary" in table[2] and "UTC" in table[2]
    assert [r["number"] for r in revisions(cli, ref)] == [3, 2, 1]
    assert len(cli.json("history", ref, "--limit", "1")) == 1

    # A named route is created by its first split, next to the default one.
    staging = cli.ok("split", "set", ref, "v2=100", "--route", "staging")
    assert staging.stdout == f"{ref}@staging split set to v2=100 (revision 1)\n"
    assert [weights_of(r) for r in revisions(cli, ref, "--route", "staging")] == [{2: 100}]
    listed = cli.ok("routes", "list", ref).stdout.splitlines()
    assert listed[0].split() == ["ROUTE", "MODEL", "REVISION", "WEIGHTS", "READY", "UPDATED", "BY"]
    assert listed[1].split()[:5] == ["default", ref, "3", "v1=50", "v2=50"]
    assert listed[2].split()[:4] == ["staging", f"{ref}@staging", "1", "v2=100"]
    routes = {r["name"]: r for r in cli.json("routes", "list", ref)}
    assert set(routes) == {"default", "staging"}
    assert routes["default"]["current"]["number"] == 3


def test_rollback(cli: Cli, two_versions: str) -> None:
    ref = two_versions
    cli.ok("split", "set", ref, "v1=90", "v2=10")
    cli.ok("split", "set", ref, "v2=100")
    back = cli.ok("rollback", ref, "--reason", "v2 is rude")
    assert back.stdout == f"{ref} rolled back to revision 2: v1=90 v2=10 (revision 4)\n"
    to_first = cli.json("rollback", ref, "--to-revision", "1")
    assert to_first["current"]["number"] == 5 and to_first["current"]["rollback_of"] == 1
    assert weights_of(to_first["current"]) == {1: 100}

    history = revisions(cli, ref)
    assert [(r["number"], r["rollback_of"], r["reason"]) for r in history[:2]] == [(5, 1, ""), (4, 2, "v2 is rude")]


def test_history_shows_who_when_why_and_rollback_of(cli: Cli, two_versions: str) -> None:
    ref = two_versions
    cli.ok("split", "set", ref, "v2=100", "--reason", "v2 wins")
    cli.ok("rollback", ref, "--reason", "too chatty")
    header, *rows = cli.ok("history", ref).stdout.splitlines()
    column = {name: header.index(name) for name in ("BY", "WHEN", "REASON", "ROLLBACK OF", "READY")}

    def cell(row: str, name: str, end: str | None) -> str:
        return row[column[name] : column[end] if end else None].strip()

    assert [row.split()[:2] for row in rows] == [["3", "v1=100"], ["2", "v2=100"], ["1", "v1=100"]]
    assert [cell(row, "BY", "WHEN") for row in rows] == ["admin"] * 3
    assert all(cell(row, "WHEN", "REASON").endswith(" UTC") for row in rows)
    assert [cell(row, "REASON", "ROLLBACK OF") for row in rows] == ["too chatty", "v2 wins", "first version"]
    assert [cell(row, "ROLLBACK OF", "READY") for row in rows] == ["1", "-", "-"]


def test_named_route_rollback(cli: Cli, two_versions: str) -> None:
    ref = two_versions
    cli.ok("split", "set", ref, "v1=100", "--route", "staging")
    cli.ok("split", "set", ref, "v2=100", "--route", "staging")
    back = cli.ok("rollback", ref, "--route", "staging")
    assert back.stdout == f"{ref}@staging rolled back to revision 1: v1=100 (revision 3)\n"
    assert [r["number"] for r in revisions(cli, ref)] == [1]  # the default route did not move


def test_wait_returns_once_the_route_is_ready(cli: Cli, two_versions: str) -> None:
    # No worker serves this base model, so there is nothing to load: the revision becomes ready
    # on the reconciler's next pass and --wait returns.
    result = cli.ok("split", "set", two_versions, "v1=50", "v2=50", "--wait", "--timeout", "10s")
    assert result.stdout == f"{two_versions} split set to v1=50 v2=50 (revision 2)\n"
    assert cli.json("rollback", two_versions, "--wait")["current"]["rollback_of"] == 1


def refused_split(cli: Cli, ref: str, *args: str) -> str:
    """Run a split that must be refused; check that the route's history did not change."""
    before = recorded(cli, ref)
    stderr = cli.fails("split", "set", ref, *args)
    assert recorded(cli, ref) == before
    return error_line(stderr)


BAD_SPLITS = {
    "sum below 100": (["v1=50", "v2=40"], "error: weights must sum to 100, got 90"),
    "sum above 100": (["v1=60", "v2=60"], "error: weights must sum to 100, got 120"),
    "negative weight": (["v1=-10", "v2=110"], "error: weight of v1 must be an integer from 1 to 100, got -10"),
    "zero weight": (["v1=0", "v2=100"], "error: weight of v1 must be an integer from 1 to 100, got 0"),
    "fractional weight": (["v1=90.5", "v2=9.5"], "error: invalid split 'v1=90.5': use VERSION=WEIGHT with an integer "
                          "weight, e.g. v3=90 v4=10"),
    "missing version": (["v1=50", "v9=50"], "error: {ref} has no version v9; see 'adapterctl versions list {ref}'"),
    "no weight": (["v1"], "error: invalid split 'v1': use VERSION=WEIGHT with an integer weight, e.g. v3=90 v4=10"),
    "colon form": (["v1:100"], "error: invalid split 'v1:100': use VERSION=WEIGHT with an integer weight, e.g. "
                   "v3=90 v4=10"),
    "bad version": (["x1=100"], "error: invalid split 'x1=100': name a version as vN (e.g. v3=90 v4=10)"),
    "version zero": (["v0=100"], "error: invalid split 'v0=100': name a version as vN (e.g. v3=90 v4=10)"),
    "same version twice": (["v1=50", "1=50"], "error: v1 appears twice in the split"),
    "more than 8 versions": ([f"v{n}=10" for n in range(1, 10)], "error: a split has at most 8 versions, got 9"),
}  # fmt: skip


@pytest.mark.parametrize("arms, expected", BAD_SPLITS.values(), ids=BAD_SPLITS.keys())
def test_a_bad_split_is_refused_and_no_revision_is_written(
    cli: Cli, two_versions: str, arms: list[str], expected: str
) -> None:
    assert refused_split(cli, two_versions, *arms) == expected.format(ref=two_versions)


def test_a_split_names_versions_of_its_own_adapter_only(
    cli: Cli, admin: httpx.Client, two_versions: str, adapter_dir: Callable[..., Path]
) -> None:
    tenant = two_versions.split("/")[0]
    other = f"{tenant}/other-bot"
    for _ in range(3):
        publish_via_api(admin, other, adapter_dir())
    assert refused_split(cli, two_versions, "v1=50", f"{other}:v2=50") == (
        f"error: {other}:v2 is a version of {other}, not {two_versions}: a split routes to versions of one adapter"
    )
    # v3 exists, but of the other adapter: this one has no v3.
    assert refused_split(cli, two_versions, "v1=50", "v3=50") == (
        f"error: {two_versions} has no version v3; see 'adapterctl versions list {two_versions}'"
    )


def test_a_deprecated_version_takes_no_new_traffic(cli: Cli, two_versions: str) -> None:
    cli.ok("versions", "deprecate", f"{two_versions}:v2")
    assert refused_split(cli, two_versions, "v1=50", "v2=50") == (
        f"error: {two_versions}:v2 is deprecated and cannot receive new traffic"
    )


BAD_ROUTE_NAMES = {"slash": "a/b", "dot-dot": "..", "uppercase": "Staging", "too-long": "r" * 200}


@pytest.mark.parametrize("route", BAD_ROUTE_NAMES.values(), ids=BAD_ROUTE_NAMES.keys())
def test_a_bad_route_name_is_refused_and_no_route_is_created(cli: Cli, two_versions: str, route: str) -> None:
    stderr = cli.fails("split", "set", two_versions, "v1=100", "--route", route)
    assert error_line(stderr) == (
        f"error: invalid route name {route!r}: use 1-63 characters a-z, 0-9 and '-', starting with a letter or digit"
    )
    assert [r["name"] for r in cli.json("routes", "list", two_versions)] == ["default"]


def test_a_route_named_in_the_reference_points_to_route(cli: Cli, two_versions: str) -> None:
    stderr = cli.fails("split", "set", f"{two_versions}@staging", "v1=100")
    assert error_line(stderr) == (
        f"error: expected tenant/adapter, got '{two_versions}@staging': name a route with --route"
    )


def test_rollback_to_a_revision_that_does_not_exist(cli: Cli, two_versions: str) -> None:
    cli.ok("split", "set", two_versions, "v2=100")
    before = recorded(cli, two_versions)
    stderr = cli.fails("rollback", two_versions, "--to-revision", "7")
    assert error_line(stderr) == f"error: {two_versions}@default has no revision 7"
    assert error_line(cli.fails("rollback", two_versions, "--to-revision", "2")) == (
        f"error: revision 2 is already the current revision of {two_versions}@default"
    )
    stderr = cli.fails("rollback", two_versions, "--to-revision", "0")
    assert stderr.splitlines() == [
        "error: Invalid value for '--to-revision': 0 is not in the range x>=1.",
        "hint: see 'adapterctl rollback --help'",
    ]
    assert recorded(cli, two_versions) == before


def test_nothing_to_roll_back(cli: Cli, two_versions: str) -> None:
    assert error_line(cli.fails("rollback", two_versions)) == (
        f"error: {two_versions}@default has only one revision; nothing to roll back to"
    )
    assert error_line(cli.fails("rollback", two_versions, "--route", "staging")) == (
        f"error: route {two_versions}@staging does not exist"
    )
    assert len(revisions(cli, two_versions)) == 1


def test_a_tenant_key_cannot_route_another_tenants_adapter(cli: Cli, two_versions: str) -> None:
    intruder = cli.json("tenants", "create", two_versions.split("/")[0] + "-x")["name"]
    key = cli.json("keys", "create", intruder)["key"]
    before = recorded(cli, two_versions)
    owner = two_versions.split("/")[0]
    for args in (["split", "set", two_versions, "v2=100"], ["rollback", two_versions], ["history", two_versions]):
        stderr = cli.with_token(key).fails(*args)
        assert error_line(stderr) == f"error: this key belongs to tenant {intruder!r}, not {owner!r}", args
    assert recorded(cli, two_versions) == before


def test_a_revoked_key_cannot_route(cli: Cli, two_versions: str) -> None:
    tenant = two_versions.split("/")[0]
    key = cli.json("keys", "create", tenant)
    assert cli.with_token(key["key"]).json("split", "set", two_versions, "v1=50", "v2=50")["changed"] is True
    cli.ok("keys", "revoke", tenant, key["key_id"])
    before = recorded(cli, two_versions)
    stderr = cli.with_token(key["key"]).fails("split", "set", two_versions, "v2=100")
    assert error_line(stderr) == "error: invalid, revoked or unknown API key"
    assert recorded(cli, two_versions) == before


def test_missing_adapter(cli: Cli, tenant: str) -> None:
    assert error_line(cli.fails("history", f"{tenant}/nope")) == f"error: adapter {tenant}/nope does not exist"
    assert error_line(cli.fails("routes", "list", f"{tenant}/nope")) == f"error: adapter {tenant}/nope does not exist"
