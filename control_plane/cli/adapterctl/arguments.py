"""Arguments and options shared by several commands, checked before any request is sent."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import click

from control_plane.cli.adapterctl.errors import CliError, local_check
from control_plane.kit.names import DEFAULT_ROUTE, AdapterRef, check_name, parse_ref, require_ref

_DURATION = re.compile(r"(?P<amount>[0-9]+(?:\.[0-9]+)?)(?P<unit>[smhd]?)")
_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def adapter_ref(text: str) -> AdapterRef:
    """`tenant/adapter`, naming the part that is wrong when it is not."""
    parts = text.split("/")
    if len(parts) == 2 and not any(mark in text for mark in ":@"):
        local_check(check_name, parts[0], "tenant")
        local_check(check_name, parts[1], "adapter")
    ref = local_check(require_ref, text)
    if ref.version is not None or ref.route is not None:
        raise CliError(
            f"expected tenant/adapter, got {text!r}"
            + (": name a route with --route" if ref.route is not None else "")
        )
    return ref


def version_ref(text: str) -> AdapterRef:
    """`tenant/adapter:vN`."""
    ref = parse_ref(text)
    if ref is None or ref.version is None:
        raise CliError(f"invalid version {text!r}: expected tenant/adapter:vN, e.g. acme/support-bot:v3")
    return ref


def _callback(parse: Any) -> Any:
    def callback(_ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, tuple):
            return tuple(parse(item) for item in value)
        return parse(value)

    return callback


def adapter_argument(name: str = "adapter") -> Any:
    return click.argument(name, metavar="TENANT/ADAPTER", callback=_callback(adapter_ref))


def version_argument() -> Any:
    return click.argument("version", metavar="TENANT/ADAPTER:vN", callback=_callback(version_ref))


def name_argument(name: str, what: str, metavar: str) -> Any:
    return click.argument(name, metavar=metavar, callback=_callback(lambda value: local_check(check_name, value, what)))


def tenant_option(help_text: str) -> Any:
    return click.option(
        "--tenant", metavar="TENANT", help=help_text,
        callback=_callback(lambda value: local_check(check_name, value, "tenant")),
    )  # fmt: skip


def route_option() -> Any:
    return click.option(
        "--route", metavar="NAME", default=DEFAULT_ROUTE, show_default=True,
        callback=_callback(lambda value: local_check(check_name, value, "route")),
        help="The route: the default one, or a named one such as 'staging' (model tenant/adapter@staging).",
    )  # fmt: skip


def reason_option() -> Any:
    return click.option("--reason", default="", metavar="TEXT", help="Why; kept in the history and the audit log.")


def wait_options(command: Any) -> Any:
    command = click.option(
        "--timeout", default="120s", show_default=True, metavar="DURATION", callback=_callback(parse_duration),
        help="How long --wait waits, e.g. 90s, 5m.",
    )(command)  # fmt: skip
    return click.option(
        "--wait", is_flag=True, help="Block until the workers serve the new revision (the route is ready)."
    )(command)


def parse_duration(text: str) -> timedelta:
    """`90`, `90s`, `5m`, `2h`, `7d`."""
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise CliError(f"invalid duration {text!r}: use a number with s, m, h or d, e.g. 90s, 5m, 2h, 7d")
    return timedelta(seconds=float(match["amount"]) * _SECONDS[match["unit"]])


def parse_since(text: str, now: datetime | None = None) -> str:
    """`--since`: an ISO 8601 time, or a duration meaning that long ago; as ISO 8601 UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        match = _DURATION.fullmatch(text.strip())
        if match is None or not match["unit"]:
            raise CliError(
                f"invalid --since {text!r}: use an ISO 8601 time (2026-11-01, 2026-11-01T08:00:00Z) "
                "or a duration ago (30m, 2h, 7d)"
            ) from None
        moment = (now or datetime.now(UTC)) - parse_duration(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()
