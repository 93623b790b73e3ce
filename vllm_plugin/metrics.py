"""Per tenant/adapter/version request, error, latency and token counts.

The same observations feed Prometheus (the worker's `/metrics`, vLLM's default registry) and
the cumulative counters sent in heartbeats, from which the control plane judges rollouts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import Counter, Histogram

from control_plane.workers.protocol import VersionCounters

LABELS = ("tenant", "adapter", "version")

REQUESTS = Counter("adapterplane_worker_requests", "Inference requests served", LABELS)
ERRORS = Counter("adapterplane_worker_errors", "Inference requests answered with an error", LABELS)
LATENCY = Histogram(
    "adapterplane_worker_request_latency_seconds",
    "Time from request to the end of the response",
    LABELS,
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
TOKENS = Counter("adapterplane_worker_tokens", "Prompt and completion tokens", (*LABELS, "kind"))


@dataclass(frozen=True)
class Observation:
    tenant: str
    adapter: str  # "" for the base model
    version: str  # the version number, "" for the base model
    served_name: str
    failed: bool
    latency_seconds: float
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass
class _Totals:
    requests: int = 0
    errors: int = 0
    latency_seconds_sum: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0


class _Series:
    """The labelled Prometheus children of one tenant/adapter/version (looked up once)."""

    def __init__(self, labels: tuple[str, str, str]) -> None:
        self.requests = REQUESTS.labels(*labels)
        self.errors = ERRORS.labels(*labels)
        self.latency = LATENCY.labels(*labels)
        self.prompt_tokens = TOKENS.labels(*labels, "prompt")
        self.completion_tokens = TOKENS.labels(*labels, "completion")


@dataclass
class WorkerMetrics:
    #: served version name → cumulative totals (adapter versions only)
    totals: dict[str, _Totals] = field(default_factory=dict)
    _series: dict[tuple[str, str, str], _Series] = field(default_factory=dict)

    def record(self, seen: Observation) -> None:
        labels = (seen.tenant, seen.adapter, seen.version)
        series = self._series.get(labels)
        if series is None:
            series = self._series[labels] = _Series(labels)
        series.requests.inc()
        if seen.failed:
            series.errors.inc()
        series.latency.observe(seen.latency_seconds)
        if seen.prompt_tokens:
            series.prompt_tokens.inc(seen.prompt_tokens)
        if seen.completion_tokens:
            series.completion_tokens.inc(seen.completion_tokens)
        if not seen.adapter:
            return
        totals = self.totals.get(seen.served_name)
        if totals is None:
            totals = self.totals[seen.served_name] = _Totals()
        totals.requests += 1
        totals.errors += int(seen.failed)
        totals.latency_seconds_sum += seen.latency_seconds
        totals.prompt_tokens += seen.prompt_tokens
        totals.completion_tokens += seen.completion_tokens

    def snapshot(self) -> list[VersionCounters]:
        """Cumulative counters per version, for heartbeats."""
        return [VersionCounters(version=name, **vars(totals)) for name, totals in self.totals.items()]
