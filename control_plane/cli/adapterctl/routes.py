"""`adapterctl split set`, `history`, `rollback` and `routes list`: where traffic goes."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any

import click

from control_plane.cli.adapterctl import output
from control_plane.cli.adapterctl.arguments import adapter_argument, reason_option, route_option, wait_options
from control_plane.cli.adapterctl.client import ApiClient, adapter_path
from control_plane.cli.adapterctl.config import Config, global_options, pass_config
from control_plane.cli.adapterctl.errors import CliError, local_check
from control_plane.kit.names import DEFAULT_ROUTE, AdapterRef, parse_ref

_ARM_VERSION = re.compile(r"v?(?P<number>[1-9][0-9]{0,8})")
_WEIGHT = re.compile(r"[+-]?[0-9]{1,9}")
POLL_INTERVAL = 0.5


def model_name(adapter: AdapterRef, route: str) -> str:
    """What an OpenAI request names to use this route."""
    return adapter.name if route == DEFAULT_ROUTE else f"{adapter.name}@{route}"


def parse_arms(adapter: AdapterRef, arms: tuple[str, ...]) -> dict[int, int]:
    """`v3=90 v4=10` (or `3=90`, or `tenant/adapter:v3=90`) as {3: 90, 4: 10}, checked as the
    server checks a split: integer weights from 1 to 100 summing to 100, at most 8 versions."""
    # The server's own rule; imported here because it brings SQLAlchemy, which other commands
    # do not need to pay for at start-up.
    from control_plane.routes.service import check_weights

    weights: dict[int, int] = {}
    for arm in arms:
        target, sep, weight = arm.rpartition("=")
        if not sep or not _WEIGHT.fullmatch(weight):
            raise CliError(f"invalid split {arm!r}: use VERSION=WEIGHT with an integer weight, e.g. v3=90 v4=10")
        number = _version_number(adapter, target, arm)
        if number in weights:
            raise CliError(f"v{number} appears twice in the split")
        weights[number] = int(weight)
    local_check(check_weights, weights)
    return weights


def _version_number(adapter: AdapterRef, target: str, arm: str) -> int:
    if "/" in target:
        ref = parse_ref(target)
        if ref is None or ref.version is None:
            raise CliError(f"invalid split {arm!r}: name a version as vN or {adapter}:vN")
        if ref.name != adapter.name:
            raise CliError(
                f"{ref} is a version of {ref.name}, not {adapter}: a split routes to versions of one adapter"
            )
        return ref.version
    match = _ARM_VERSION.fullmatch(target)
    if match is None:
        raise CliError(f"invalid split {arm!r}: name a version as vN (e.g. v3=90 v4=10)")
    return int(match["number"])


@click.group()
def split() -> None:
    """Set weighted splits of traffic between versions.

    \b
    Examples:
      adapterctl split set acme/support-bot v3=90 v4=10
      adapterctl split set acme/support-bot v4=100 --route staging --wait
    """


@split.command("set")
@adapter_argument()
@click.argument("arms", nargs=-1, required=True, metavar="vN=WEIGHT...")
@route_option()
@reason_option()
@wait_options
@global_options
@pass_config
def set_split(
    config: Config, adapter: AdapterRef, arms: tuple[str, ...], route: str, reason: str, wait: bool, timeout: timedelta
) -> None:
    """Set a route's split (a new revision with these weights).

    Weights are integers that sum to 100, for at most 8 versions of this adapter. Users stay
    on the same version while the weights stay the same (sticky buckets). Setting the current
    weights again changes nothing. A named route is created by its first split.

    \b
    Examples:
      adapterctl split set acme/support-bot v3=90 v4=10
      adapterctl split set acme/support-bot v4=100 --reason "v4 won the A/B test"
      adapterctl split set acme/support-bot v5=100 --route staging --wait --timeout 5m
    """
    weights = parse_arms(adapter, arms)
    client = config.client()
    result = client.post(
        adapter_path(adapter.tenant, adapter.adapter, "routes", route, "revisions"),
        json={"weights": {str(number): weight for number, weight in weights.items()}, "reason": reason},
    )
    current = result["current"]
    target = model_name(adapter, route)
    if result["changed"]:
        message = f"{target} split set to {output.weights(current['arms'])} (revision {current['number']})"
    else:
        message = f"{target} unchanged: already {output.weights(current['arms'])} (revision {current['number']})"
    output.done(config, result, message)
    if wait:
        wait_until_ready(client, adapter, route, timeout)


@click.command()
@adapter_argument()
@route_option()
@click.option(
    "--to-revision", type=click.IntRange(min=1), metavar="N",
    help="The revision to return to [default: the one before the current one].",
)  # fmt: skip
@reason_option()
@wait_options
@global_options
@pass_config
def rollback(
    config: Config,
    adapter: AdapterRef,
    route: str,
    to_revision: int | None,
    reason: str,
    wait: bool,
    timeout: timedelta,
) -> None:
    """Roll a route back to an earlier revision (as a new revision).

    The versions of the previous revision are still loaded, so the workers switch at once.

    \b
    Examples:
      adapterctl rollback acme/support-bot
      adapterctl rollback acme/support-bot --to-revision 3 --reason "v5 answers in French"
      adapterctl rollback acme/support-bot --route staging --wait
    """
    client = config.client()
    result = client.post(
        adapter_path(adapter.tenant, adapter.adapter, "routes", route, "rollback"),
        json={"to_revision": to_revision, "reason": reason},
    )
    current = result["current"]
    output.done(
        config,
        result,
        f"{model_name(adapter, route)} rolled back to revision {current['rollback_of']}: "
        f"{output.weights(current['arms'])} (revision {current['number']})",
    )
    if wait:
        wait_until_ready(client, adapter, route, timeout)


def wait_until_ready(client: ApiClient, adapter: AdapterRef, route: str, timeout: timedelta) -> None:
    """Poll the route until the workers serve its current revision. A control plane that does
    not report readiness (no `ready` field) is taken as ready."""
    target = model_name(adapter, route)
    deadline = time.monotonic() + timeout.total_seconds()
    announced = False
    while True:
        found: dict[str, Any] = client.get(adapter_path(adapter.tenant, adapter.adapter, "routes", route))
        if found.get("ready", True):
            if announced:
                output.note(f"{target} is ready")
            return
        if time.monotonic() >= deadline:
            raise CliError(
                f"{target} was not ready after {_seconds(timeout)}: {_blockers(client, adapter, found)}",
                hint=f"see 'adapterctl status {adapter}'; the new revision is recorded and stays in effect",
            )
        if not announced:
            output.note(f"waiting for the workers to serve {target} (up to {_seconds(timeout)})…")
            announced = True
        time.sleep(POLL_INTERVAL)


def _blockers(client: ApiClient, adapter: AdapterRef, route: dict[str, Any]) -> str:
    """What keeps a route's newest revision from being ready, naming workers and errors, from
    the adapter's status (a generic reason if that cannot be read)."""
    wanted = {arm["name"] for arm in (route.get("current") or {}).get("arms", []) if arm.get("weight")}
    reasons = []
    try:
        status: dict[str, Any] = client.get(adapter_path(adapter.tenant, adapter.adapter, "status"))
    except CliError:  # the reasons below are a courtesy: the timeout is the error
        status = {}
    for name, why in sorted((status.get("unplaced") or {}).items()):
        if name in wanted:
            reasons.append(f"{name} is not placed on any worker ({why})")
    for worker in status.get("workers") or []:
        if worker.get("state") != "live":
            continue
        for held in worker.get("versions") or []:
            if held.get("version") not in wanted or held.get("state") == "loaded":
                continue
            if held.get("error"):
                reasons.append(f"worker {worker['name']} failed to load {held['version']}: {held['error']}")
            else:
                reasons.append(f"worker {worker['name']} has not loaded {held['version']} yet ({held.get('state')})")
    unsynced = route.get("unsynced_workers") or []
    if unsynced:
        reasons.append(f"worker(s) {', '.join(unsynced)} have not confirmed the new routing table yet")
    return "; ".join(reasons) or "the workers have not loaded its versions yet"


def _seconds(duration: timedelta) -> str:
    return f"{duration.total_seconds():g}s"


REVISION_COLUMNS: list[output.Column] = [
    ("REVISION", lambda r: r["number"]),
    ("WEIGHTS", lambda r: output.weights(r["arms"])),
    ("BY", lambda r: r["created_by"]),
    ("WHEN", lambda r: output.when(r["created_at"])),
    ("REASON", lambda r: r["reason"] or None),
    ("ROLLBACK OF", lambda r: r["rollback_of"]),
    ("READY", lambda r: output.when(r.get("ready_at"))),
]


@click.command()
@adapter_argument()
@route_option()
@click.option(
    "--limit", default=50, show_default=True, type=click.IntRange(1, 1000), help="Show at most N revisions."
)
@global_options
@pass_config
def history(config: Config, adapter: AdapterRef, route: str, limit: int) -> None:
    """Show a route's revisions, newest first (weights, who, when, why).

    \b
    Examples:
      adapterctl history acme/support-bot
      adapterctl history acme/support-bot --route staging --limit 10
    """
    rows = config.client().get(
        adapter_path(adapter.tenant, adapter.adapter, "routes", route, "revisions"), params={"limit": limit}
    )
    output.listing(config, rows, REVISION_COLUMNS, empty=f"{model_name(adapter, route)} has no revisions")


@click.group()
def routes() -> None:
    """List an adapter's routes (the default one and named ones, tenant/adapter@name).

    \b
    Examples:
      adapterctl routes list acme/support-bot
    """


@routes.command("list")
@adapter_argument()
@global_options
@pass_config
def list_routes(config: Config, adapter: AdapterRef) -> None:
    """List an adapter's routes and their current splits.

    \b
    Examples:
      adapterctl routes list acme/support-bot
    """
    rows = config.client().get(adapter_path(adapter.tenant, adapter.adapter, "routes"))
    output.listing(
        config,
        rows,
        [
            ("ROUTE", lambda r: r["name"]),
            ("MODEL", lambda r: model_name(adapter, r["name"])),
            ("REVISION", lambda r: r["current"] and r["current"]["number"]),
            ("WEIGHTS", lambda r: r["current"] and output.weights(r["current"]["arms"])),
            ("READY", lambda r: r.get("ready")),
            ("UPDATED", lambda r: r["current"] and output.when(r["current"]["created_at"])),
            ("BY", lambda r: r["current"] and r["current"]["created_by"]),
        ],
        empty=f"{adapter} has no routes",
    )
