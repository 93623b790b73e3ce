"""A worker with room for two versions (`--max-cpu-loras 2`) and three wanted: the serving and
the pinned version are placed, the warm one is reported unplaced with the reason, and over many
passes nothing is loaded or unloaded again (no ping-pong)."""

from __future__ import annotations

import time

import pytest

from tests.fleet.conftest import SMALL_BASE_MODEL
from tests.support.fleet import ask, engine_holds, loaded_by_worker

pytestmark = [pytest.mark.vllm, pytest.mark.postgres]

UNPLACED = "placed on 0 of 1 workers: the others are full (max_cpu_loras)"


def test_two_slots_three_wanted_versions_placement_is_stable_and_reported(fleet):
    worker = fleet.workers["fleet-small"]
    key = fleet.create_tenant("capacity")
    for style in ("pirate", "caps", "codeword"):
        fleet.publish("capacity/bot", style, base_model=SMALL_BASE_MODEL)
    fleet.ctl.run("split", "set", "capacity/bot", "v2=100", "--wait")  # v1's revision stays warm
    assert engine_holds(worker, fleet.plane.worker_token) == {"capacity/bot:v1", "capacity/bot:v2"}

    fleet.ctl.run("pin", "capacity/bot:v3")  # serving > pinned > warm: v1 has to make room
    wanted = {"capacity/bot:v2", "capacity/bot:v3"}
    # Watch the engine from the pin until 6 s (a dozen passes) after it holds what is wanted.
    samples, pinned, reached = [], time.monotonic(), None
    while reached is None or time.monotonic() - reached < 6:
        samples.append(engine_holds(worker, fleet.plane.worker_token))
        if reached is None and samples[-1] == wanted:
            reached = time.monotonic()
        assert reached is not None or time.monotonic() - pinned < 60, f"v3 never replaced v1: {samples[-5:]}"
        time.sleep(0.1)
    assert all("capacity/bot:v2" in held for held in samples), samples  # the serving version stayed
    assert all(held == wanted for held in samples[samples.index(wanted) :]), samples  # no ping-pong

    status = fleet.ctl.json("status", "capacity/bot")
    assert loaded_by_worker(status) == {"fleet-small": wanted}
    assert status["unplaced"] == {"capacity/bot:v1": UNPLACED}
    shown = fleet.ctl.run("status", "capacity/bot").stdout
    assert f"capacity/bot:v1 is not placed on any worker: {UNPLACED}" in shown
    assert (ask(worker, key, "capacity/bot").version, ask(worker, key, "capacity/bot:v3").style) == (
        "capacity/bot:v2",
        "codeword",
    )
