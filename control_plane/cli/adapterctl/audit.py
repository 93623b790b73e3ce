"""`adapterctl audit`: who changed what, when."""

from __future__ import annotations

import click

from control_plane.cli.adapterctl import output
from control_plane.cli.adapterctl.arguments import parse_since, tenant_option
from control_plane.cli.adapterctl.config import Config, global_options, pass_config


@click.command()
@tenant_option("Only this tenant's events.")
@click.option(
    "--since", metavar="TIME", callback=lambda _ctx, _param, value: value and parse_since(value),
    help="Only events at or after TIME: ISO 8601 (2026-11-01, 2026-11-01T08:00:00Z) or a duration ago (30m, 2h, 7d).",
)  # fmt: skip
@click.option("--action", metavar="ACTION", help="Only this action, e.g. route.rollback or version.publish.")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 1000), help="Show at most N events.")
@global_options
@pass_config
def audit(config: Config, tenant: str | None, since: str | None, action: str | None, limit: int) -> None:
    """Show audit events, newest first. A tenant key sees its own tenant's events.

    \b
    Examples:
      adapterctl audit --tenant acme --since 24h
      adapterctl audit --action route.rollback --since 2026-11-01
    """
    params = {"tenant": tenant, "since": since, "action": action, "limit": limit}
    rows = config.client().get("/v1/audit", params=params)
    output.listing(
        config,
        rows,
        [
            ("WHEN", lambda e: output.when(e["at"])),
            ("ACTOR", lambda e: e["actor"]),
            ("TENANT", lambda e: e["tenant"]),
            ("ACTION", lambda e: e["action"]),
            ("TARGET", lambda e: e["target"]),
            ("DETAILS", lambda e: e["details"] or None),
        ],
        empty="no audit events match",
    )
