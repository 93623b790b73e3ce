"""What the fleet benchmarks share: a control plane on a fresh PostgreSQL database with two vLLM
CPU workers (the fleet the tests use, with the control plane's default timings), and figures."""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.assets import demo_assets  # noqa: E402
from tests.support.databases import postgres_database  # noqa: E402
from tests.support.fleet import Fleet, WorkerSpec, running_fleet  # noqa: E402

WORKERS = [WorkerSpec("fleet-worker-1"), WorkerSpec("fleet-worker-2")]


def arguments(description: str, rounds: int) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rounds", type=int, default=rounds, help=f"measurements to take [default: {rounds}]")
    parser.add_argument("--out", type=Path, help="also write the Markdown report to this file")
    return parser.parse_args()


@contextmanager
def two_worker_fleet() -> Iterator[Fleet]:
    """A control plane (PostgreSQL, file store, default timings) and two registered workers."""
    root = Path(tempfile.mkdtemp(prefix="fleet-benchmark-"))
    print(f"starting a control plane and {len(WORKERS)} vLLM CPU workers (logs in {root}) …", file=sys.stderr)
    with postgres_database() as database_url, running_fleet(demo_assets(), root, database_url, WORKERS) as fleet:
        yield fleet


def summary(samples: list[float]) -> str:
    """`median 0.21 s, p95 0.40 s, max 0.44 s`."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered):.2f} s, p95 {p95:.2f} s, max {ordered[-1]:.2f} s"


def machine() -> str:
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, {os.cpu_count()} cores, "
        f"load average {load} at the end"
    )


def report(lines: list[str], out: Path | None) -> None:
    text = "\n".join(lines) + "\n"
    print(text)
    if out is not None:
        out.write_text(text)
