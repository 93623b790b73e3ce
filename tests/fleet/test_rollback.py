"""Rollback with the previous versions warm: every worker serves the older version within one
second of `adapterctl rollback --wait` returning."""

from __future__ import annotations

import time

import pytest

from tests.support.fleet import ask_all, loaded_by_worker, probe_switch, switch_time

pytestmark = [pytest.mark.vllm, pytest.mark.postgres]


def test_rollback_reaches_every_worker_within_a_second(fleet, workers):
    key = fleet.create_tenant("rollback")
    fleet.publish("rollback/bot", "pirate")
    fleet.publish("rollback/bot", "caps")
    fleet.ctl.run("split", "set", "rollback/bot", "v2=100", "--wait")
    for answers in ask_all(workers, key, "rollback/bot", ["someone"]):
        assert (answers["someone"].version, answers["someone"].style) == ("rollback/bot:v2", "caps")
    # v1 is no longer routed but stays loaded: its revision is the warm one.
    assert all("rollback/bot:v1" in held for held in loaded_by_worker(fleet.ctl.json("status", "rollback/bot")).values())

    fleet.ctl.run("rollback", "rollback/bot", "--wait")
    returned = time.monotonic()
    probes = probe_switch(workers, key, "rollback/bot", since=returned)

    for worker, worker_probes in zip(workers, probes):
        for probe in worker_probes:  # whatever served it, the text agrees with the header
            assert probe.answer.style == {"rollback/bot:v1": "pirate", "rollback/bot:v2": "caps"}[probe.answer.version]
        switched = switch_time(worker_probes, "rollback/bot:v1")
        timeline = [(round(p.sent, 2), p.answer.version) for p in worker_probes]
        print(f"{worker.url}: serves v1 {switched} s after the command returned; {timeline}")
        assert switched is not None and switched < 1.0, timeline

    history = fleet.ctl.json("history", "rollback/bot")
    assert (history[0]["number"], history[0]["rollback_of"], history[0]["arms"][0]["version"]) == (3, 1, 1)
