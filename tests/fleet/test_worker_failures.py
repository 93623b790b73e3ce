"""A worker killed with SIGKILL during traffic: the other keeps serving, the silent one is marked
lost (and routes no longer wait for it), and when it comes back it registers and is brought to
the desired state without any command."""

from __future__ import annotations

import pytest

from tests.support.fleet import Traffic, ask_all, kill_hard, loaded_by_worker, wait_for

pytestmark = [pytest.mark.vllm, pytest.mark.postgres]

STYLE = {"crash/bot:v1": "pirate", "crash/bot:v2": "caps"}


def test_a_killed_worker_is_marked_lost_then_comes_back_and_is_reloaded(fleet, workers):
    survivor, victim = workers
    key = fleet.create_tenant("crash")
    fleet.publish("crash/bot", "pirate")
    fleet.publish("crash/bot", "caps")
    fleet.ctl.run("split", "set", "crash/bot", "v1=100", "--wait")  # already so: v1 only

    with Traffic([survivor, survivor], key, "crash/bot") as traffic:
        traffic.wait_for(lambda: len(traffic.answers) >= 2, "traffic on the surviving worker", 120)
        kill_hard(victim)
        traffic.wait_for(lambda: fleet.worker_states()["fleet-worker-2"] == "lost", "the killed worker to be lost", 60)
        # With the worker lost, a new split does not wait for it.
        fleet.ctl.run("split", "set", "crash/bot", "v2=100", "--wait", "--timeout", "60s")
        served = len(traffic.answers)
        traffic.wait_for(lambda: len(traffic.answers) >= served + 4, "traffic after the split", 120)
    # Not one request to the surviving worker failed (Traffic raises the first failure), every
    # answer came from the version its header names, and the survivor serves the new split.
    assert all(answer.style == STYLE[answer.version] for answer in traffic.answers)
    assert {a.version for a in traffic.answers} == set(STYLE)
    [after] = ask_all([survivor], key, "crash/bot", ["someone"])
    assert (after["someone"].version, after["someone"].style) == ("crash/bot:v2", "caps")
    status = fleet.ctl.json("status", "crash/bot")
    assert {w["name"]: w["state"] for w in status["workers"]} == {"fleet-worker-1": "live"}

    victim.start().wait_ready()  # the same worker, nothing else: no adapterctl command
    wait_for(lambda: fleet.worker_states()["fleet-worker-2"] == "live", "the worker to register again", 60)
    wait_for(
        lambda: loaded_by_worker(fleet.ctl.json("status", "crash/bot")).get("fleet-worker-2") == {"crash/bot:v1", "crash/bot:v2"},
        "the returning worker to load the serving and the warm version",
        120,
    )
    for answers_by_user in ask_all([victim], key, "crash/bot", ["alice", "bob"]):
        assert {(a.version, a.style) for a in answers_by_user.values()} == {("crash/bot:v2", "caps")}
