"""Rollback propagation: how long after `adapterctl rollback` returns every worker serves the
previous version (kept loaded as the warm revision), on two vLLM CPU workers.

Each round rolls the route back (v2 to v1, then v1 to v2: a rollback of the rollback), then
sends requests to each worker on a fixed schedule (every 0.1 s for a second, then every 0.5 s
up to 6 s) without waiting for answers (a request's version is chosen when the worker receives
it), and takes per worker the send time of the first request from which on every answer came
from the version rolled back to, by its `x-adapter-version` header and by its text (v1 answers
like a pirate, v2 in capitals). A round's figure is the slower worker's. Rounds alternate
between `rollback --wait` (returns once the control plane reports the revision ready) and plain
`rollback` (returns once the revision is written). Also reported: the control plane's own
timestamps, revision written → marked ready.

    python benchmarks/rollback_propagation.py [--rounds 20] [--out FILE]

Needs PostgreSQL on 127.0.0.1:5432 (as the tests do). Prints a Markdown report.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _fleet import arguments, machine, report, summary, two_worker_fleet  # noqa: E402

from tests.support.fleet import probe_switch, switch_time  # noqa: E402

ADAPTER = "bench/bot"
STYLE = {f"{ADAPTER}:v1": "pirate", f"{ADAPTER}:v2": "caps"}
OFFSETS = [tick / 10 for tick in range(10)] + [1 + tick / 2 for tick in range(11)]
MODES = ("--wait", "no --wait")


def main() -> int:
    args = arguments(__doc__.splitlines()[0], rounds=20)
    switched: dict[str, list[float]] = {mode: [] for mode in MODES}
    missed = dict.fromkeys(MODES, 0)
    command: dict[str, list[float]] = {mode: [] for mode in MODES}
    server: dict[str, list[float]] = {mode: [] for mode in MODES}
    with two_worker_fleet() as fleet:
        workers = list(fleet.workers.values())
        key = fleet.create_tenant("bench")
        fleet.publish(ADAPTER, "pirate")
        fleet.publish(ADAPTER, "caps")
        fleet.ctl.run("split", "set", ADAPTER, "v2=100", "--wait")
        target = f"{ADAPTER}:v1"
        for round_ in range(args.rounds):
            mode = MODES[round_ % 2]
            started = time.monotonic()
            fleet.ctl.run("rollback", ADAPTER, *(["--wait"] if mode == "--wait" else []))
            returned = time.monotonic()
            probes = probe_switch(workers, key, ADAPTER, since=returned, offsets=OFFSETS)
            for worker_probes in probes:
                wrong = [p.answer for p in worker_probes if p.answer.style != STYLE[p.answer.version]]
                if wrong:
                    raise SystemExit(f"an answer's text disagrees with its version header: {wrong[0]}")
            times = [switch_time(worker_probes, target) for worker_probes in probes]
            command[mode].append(returned - started)
            revision = fleet.ctl.json("history", ADAPTER, "--limit", "1")[0]
            server[mode].append(_seconds_between(revision["created_at"], revision["ready_at"]))
            if None in times:
                missed[mode] += 1
                timeline = [[(round(p.sent, 2), p.answer.version) for p in worker_probes] for worker_probes in probes]
                print(f"round {round_ + 1} ({mode}): not switched after {OFFSETS[-1]:g} s: {timeline}", file=sys.stderr)
            else:
                switched[mode].append(max(times))
                print(f"round {round_ + 1} ({mode}): {max(times):.3f} s", file=sys.stderr)
            target = f"{ADAPTER}:v2" if target.endswith(":v1") else f"{ADAPTER}:v1"
            time.sleep(1)  # the next round starts on idle workers

    lines = [
        "| command | rounds | command returned → both workers serve the old version | revision written → ready (server) | command's own duration |",
        "|---|---|---|---|---|",
    ]
    for mode in MODES:
        result = summary(switched[mode]) if switched[mode] else "—"
        if missed[mode]:
            result += f"; not switched after {OFFSETS[-1]:g} s in {missed[mode]} round(s)"
        name = "`adapterctl rollback --wait`" if mode == "--wait" else "`adapterctl rollback`"
        lines.append(
            f"| {name} | {len(command[mode])} | {result} | {summary(server[mode])} | {summary(command[mode])} |"
        )
    lines += ["", f"2 workers, default control-plane timings; {machine()}."]
    report(lines, args.out)
    return 0


def _seconds_between(start: str, end: str | None) -> float:
    if end is None:
        return float("nan")
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


if __name__ == "__main__":
    sys.exit(main())
