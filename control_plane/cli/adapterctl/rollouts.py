"""`adapterctl rollout start|status|pause|resume|promote|abort`: progressive rollouts."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import click

from control_plane.cli.adapterctl import output
from control_plane.cli.adapterctl.arguments import adapter_argument, parse_duration, reason_option, route_option
from control_plane.cli.adapterctl.client import adapter_path
from control_plane.cli.adapterctl.config import Config, global_options, pass_config
from control_plane.cli.adapterctl.errors import CliError, local_check
from control_plane.cli.adapterctl.routes import model_name
from control_plane.kit.names import AdapterRef

_VERSION = re.compile(r"v?(?P<number>[1-9][0-9]{0,8})")


def parse_version(text: str) -> int:
    match = _VERSION.fullmatch(text.strip())
    if match is None:
        raise CliError(f"invalid version {text!r}: use vN, e.g. --to v4")
    return int(match["number"])


def parse_steps(text: str) -> list[int]:
    """`10,50,100`, checked as the server checks it."""
    from control_plane.rollouts.service import check_steps

    try:
        steps = [int(part) for part in text.split(",")]
    except ValueError:
        raise CliError(f"invalid --steps {text!r}: use increasing percentages ending at 100, e.g. 10,50,100") from None
    local_check(check_steps, steps)
    return steps


ROLLOUT_FIELDS: list[output.Column] = [
    ("rollout", lambda r: r["id"]),
    ("route", lambda r: r["route"]),
    ("state", lambda r: r["state"]),
    ("canary", lambda r: f"v{r['canary_version']} at {r['current_percent']}% "
                         f"(step {r['step_index'] + 1}/{len(r['steps'])}: {','.join(map(str, r['steps']))})"),
    ("baseline", lambda r: f"v{r['baseline_version']}"),
    ("limits", lambda r: f"error rate <= {r['max_error_rate']:.1%}, latency <= {r['max_latency_ratio']:g}x baseline, "
                         f">= {r['min_requests']} requests, {r['interval_seconds']:g}s per step"),
    ("reason", lambda r: r["reason"] or None),
    ("started by", lambda r: r["created_by"]),
    ("started", lambda r: output.when(r["created_at"])),
]  # fmt: skip


@click.group()
def rollout() -> None:
    """Roll a version out step by step; it rolls itself back when the canary misbehaves.

    Each step waits until the workers serve it, then for the interval, then compares the
    canary's error rate and latency with the baseline's (from the workers' request counts).

    \b
    Examples:
      adapterctl rollout start acme/support-bot --to v4 --steps 10,50,100 --interval 5m
      adapterctl rollout status acme/support-bot
      adapterctl rollout promote acme/support-bot
    """


@rollout.command("start")
@adapter_argument()
@click.option("--to", "to_version", required=True, metavar="vN", callback=lambda _c, _p, v: parse_version(v),
              help="The version to roll out (the canary).")
@click.option("--steps", default="10,50,100", show_default=True, metavar="P1,P2,...",
              callback=lambda _c, _p, v: parse_steps(v), help="Canary percentages, ending at 100.")
@click.option("--interval", default="30s", show_default=True, metavar="DURATION",
              callback=lambda _c, _p, v: parse_duration(v), help="How long each step is observed, e.g. 30s, 5m.")
@click.option("--max-error-rate", default=0.05, show_default=True, type=click.FloatRange(0, 1),
              help="Roll back when the canary's error rate exceeds this.")
@click.option("--max-latency-ratio", default=2.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Roll back when the canary's mean latency exceeds this many times the baseline's.")
@click.option("--min-requests", default=20, show_default=True, type=click.IntRange(min=0),
              help="Canary requests needed before a step can pass.")
@route_option()
@global_options
@pass_config
def start(
    config: Config,
    adapter: AdapterRef,
    to_version: int,
    steps: list[int],
    interval: timedelta,
    max_error_rate: float,
    max_latency_ratio: float,
    min_requests: int,
    route: str,
) -> None:
    """Start a progressive rollout of a version on a route.

    \b
    Examples:
      adapterctl rollout start acme/support-bot --to v4
      adapterctl rollout start acme/support-bot --to v4 --steps 5,25,100 --interval 10m --max-error-rate 0.01
    """
    if interval.total_seconds() <= 0:
        raise CliError("--interval must be positive")
    result = config.client().post(
        adapter_path(adapter.tenant, adapter.adapter, "routes", route, "rollout"),
        json={
            "to_version": to_version,
            "steps": steps,
            "interval_seconds": interval.total_seconds(),
            "max_error_rate": max_error_rate,
            "max_latency_ratio": max_latency_ratio,
            "min_requests": min_requests,
        },
    )
    output.done(
        config,
        result,
        f"{model_name(adapter, route)} rollout {result['id']} started: v{result['canary_version']} at "
        f"{result['current_percent']}%, baseline v{result['baseline_version']}",
    )


@rollout.command("status")
@adapter_argument()
@route_option()
@global_options
@pass_config
def status(config: Config, adapter: AdapterRef, route: str) -> None:
    """Show the route's newest rollout: state, step, limits and the last judgement.

    \b
    Examples:
      adapterctl rollout status acme/support-bot
      adapterctl -o json rollout status acme/support-bot --route staging
    """
    result = config.client().get(adapter_path(adapter.tenant, adapter.adapter, "routes", route, "rollout"))
    output.record(config, result, ROLLOUT_FIELDS)


def _action(name: str, summary: str, past: str) -> click.Command:
    @click.command(name, help=f"""{summary}

    \b
    Examples:
      adapterctl rollout {name} acme/support-bot
      adapterctl rollout {name} acme/support-bot --route staging --reason "see incident 42"
    """)
    @adapter_argument()
    @route_option()
    @reason_option()
    @global_options
    @pass_config
    def command(config: Config, adapter: AdapterRef, route: str, reason: str) -> None:
        result: dict[str, Any] = config.client().post(
            adapter_path(adapter.tenant, adapter.adapter, "routes", route, "rollout", name), json={"reason": reason}
        )
        output.done(config, result, f"{model_name(adapter, route)} rollout {result['id']} {past} ({result['state']})")

    return command


for _name, _summary, _past in (
    ("pause", "Pause a rollout: it stays at its current step and stops judging.", "paused"),
    ("resume", "Resume a paused rollout (its current step is judged afresh).", "resumed"),
    ("promote", "Promote the canary to 100% now and end the rollout.", "promoted"),
    ("abort", "Abort a rollout: all traffic goes back to the baseline at once.", "aborted"),
):
    rollout.add_command(_action(_name, _summary, _past))
