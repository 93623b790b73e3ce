"""Publish-to-ready on two vLLM CPU workers: `adapterctl publish` of a new version, then
`adapterctl split set … vN=100 --wait`, which returns once both workers have fetched, verified
and loaded the version and the control plane has marked the revision ready.

Each round publishes the next version of one adapter (the demo adapters in turn) and moves all
traffic to it; afterwards (not timed) each worker answers once to check that the new version
serves, by header and by answer text. Times are wall-clock, as a user sees them, so each
includes adapterctl's own start-up, reported on its own for scale.

    python benchmarks/publish_to_ready.py [--rounds 10] [--out FILE]

Needs PostgreSQL on 127.0.0.1:5432 (as the tests do). Prints a Markdown report.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _fleet import arguments, machine, report, summary, two_worker_fleet  # noqa: E402

from tests.support.fleet import ask  # noqa: E402

ADAPTER = "bench/bot"
STYLES = ("pirate", "caps", "codeword")


def main() -> int:
    args = arguments(__doc__.splitlines()[0], rounds=10)
    publish, split, total, startup = [], [], [], []
    with two_worker_fleet() as fleet:
        key = fleet.create_tenant("bench")
        fleet.publish(ADAPTER, STYLES[-1])  # v1 takes the default route: every round replaces a serving version
        fleet.ctl.run("split", "set", ADAPTER, "v1=100", "--wait")
        for round_ in range(args.rounds):
            style = STYLES[round_ % len(STYLES)]
            started = time.monotonic()
            number = fleet.publish(ADAPTER, style)["number"]
            published = time.monotonic()
            fleet.ctl.run("split", "set", ADAPTER, f"v{number}=100", "--wait")
            ready = time.monotonic()
            publish.append(published - started)
            split.append(ready - published)
            total.append(ready - started)
            for worker in fleet.workers.values():
                answer = ask(worker, key, ADAPTER, user="checker")
                if (answer.version, answer.style) != (f"{ADAPTER}:v{number}", style):
                    raise SystemExit(f"{worker.url} answered {answer} after v{number} was ready")
            print(f"round {round_ + 1}: publish {publish[-1]:.2f} s, split --wait {split[-1]:.2f} s", file=sys.stderr)
            begun = time.monotonic()
            fleet.ctl.run("--help")
            startup.append(time.monotonic() - begun)

    lines = [
        f"| step ({args.rounds} rounds, 2 workers) | wall-clock time |",
        "|---|---|",
        f"| `adapterctl publish` (validate, upload, server verifies and stores) | {summary(publish)} |",
        f"| `adapterctl split set … --wait` (both workers load; revision ready) | {summary(split)} |",
        f"| publish → ready, total | {summary(total)} |",
        f"| for scale: `adapterctl --help` (interpreter and CLI start-up) | {summary(startup)} |",
        "",
        f"{machine()}.",
    ]
    report(lines, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
