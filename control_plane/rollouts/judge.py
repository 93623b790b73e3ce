"""Judging a canary against its baseline from per-version request counts. Pure functions."""

from __future__ import annotations

from dataclasses import dataclass

COUNTERS = ("requests", "errors", "latency_seconds_sum")


@dataclass(frozen=True)
class Window:
    """Counts seen for one version since the judgement window opened."""

    requests: int
    errors: int
    latency_seconds_sum: float

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0

    @property
    def mean_latency(self) -> float:
        successes = self.requests - self.errors
        return self.latency_seconds_sum / self.requests if self.requests and successes >= 0 else 0.0


def window(now: dict[str, float], start: dict[str, float]) -> Window:
    return Window(
        requests=int(now.get("requests", 0) - start.get("requests", 0)),
        errors=int(now.get("errors", 0) - start.get("errors", 0)),
        latency_seconds_sum=now.get("latency_seconds_sum", 0.0) - start.get("latency_seconds_sum", 0.0),
    )


@dataclass(frozen=True)
class Verdict:
    passed: bool | None  # None: not enough data yet
    reason: str


def judge(
    canary: Window,
    baseline: Window,
    max_error_rate: float,
    max_latency_ratio: float,
    min_requests: int,
    interval_over: bool,
) -> Verdict:
    """Fail as soon as the canary has enough requests and breaks a limit; pass only when the
    interval is over with enough requests and no limit broken."""
    if canary.requests >= min_requests and canary.error_rate > max_error_rate:
        return Verdict(
            False,
            f"canary error rate {canary.error_rate:.1%} ({canary.errors}/{canary.requests}) "
            f"exceeds {max_error_rate:.1%}",
        )
    if canary.requests >= min_requests and baseline.requests >= min_requests and baseline.mean_latency > 0:
        ratio = canary.mean_latency / baseline.mean_latency
        if ratio > max_latency_ratio:
            return Verdict(
                False,
                f"canary mean latency {canary.mean_latency * 1000:.0f} ms is {ratio:.2f}x the baseline's "
                f"{baseline.mean_latency * 1000:.0f} ms (limit {max_latency_ratio:.2f}x)",
            )
    if not interval_over:
        return Verdict(None, "step interval not over")
    if canary.requests < min_requests:
        return Verdict(None, f"waiting for traffic: {canary.requests}/{min_requests} canary requests")
    return Verdict(True, f"canary healthy: {canary.errors}/{canary.requests} errors")
