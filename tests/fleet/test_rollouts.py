"""Progressive rollouts on two workers, driven by the counts the workers report: a canary whose
stored artifact breaks after publish rolls itself back with the reason recorded; a healthy one
is promoted step by step while users send traffic."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.fleet import Traffic, ask_all, corrupt_stored_weights, wait_for

pytestmark = [pytest.mark.vllm, pytest.mark.postgres]

STYLE = {"healthy/bot:v1": "pirate", "healthy/bot:v2": "caps"}


def _finished(rollout: dict[str, Any]) -> dict[str, Any] | None:
    return rollout if rollout["state"] != "running" else None


def test_a_canary_the_workers_cannot_load_rolls_back_by_itself(fleet, workers):
    key = fleet.create_tenant("broken")
    fleet.publish("broken/bot", "pirate")
    canary = fleet.publish("broken/bot", "caps")
    corrupt_stored_weights(canary["artifact_uri"])

    fleet.ctl.run(
        "rollout", "start", "broken/bot", "--to", "v2", "--steps", "50,100", "--interval", "2s", "--min-requests", "3"
    )
    rollout = wait_for(lambda: _finished(fleet.ctl.json("rollout", "status", "broken/bot")), "the rollout to end")

    assert rollout["state"] == "rolled_back"
    assert rollout["reason"].startswith("v2 failed to load on fleet-worker-")
    assert "sha256" in rollout["reason"]
    newest = fleet.ctl.json("history", "broken/bot")[0]
    assert [(arm["version"], arm["weight"]) for arm in newest["arms"]] == [(1, 100)]
    assert newest["created_by"] == "rollout-controller"
    events = fleet.ctl.json("audit", "--tenant", "broken", "--action", "rollout.rollback")
    assert [(e["target"], e["details"]["reason"]) for e in events] == [("broken/bot@default", rollout["reason"])]
    wait_for(lambda: fleet.ctl.json("routes", "list", "broken/bot")[0]["ready"], "the rollback to be ready", 60)
    for answers in ask_all(workers, key, "broken/bot", ["alice", "bob"]):
        assert {(a.version, a.style) for a in answers.values()} == {("broken/bot:v1", "pirate")}


def test_a_healthy_canary_is_promoted_step_by_step(fleet, workers):
    key = fleet.create_tenant("healthy")
    fleet.publish("healthy/bot", "pirate")
    fleet.publish("healthy/bot", "caps")
    # The judgement compares mean latencies too; on a shared two-core machine they are noise,
    # so the latency limit is wide here: what this test checks is the walk through the steps.
    fleet.ctl.run(
        "rollout", "start", "healthy/bot", "--to", "v2", "--steps", "50,100", "--interval", "2s",
        "--min-requests", "3", "--max-latency-ratio", "20",
    )  # fmt: skip

    with Traffic(workers * 2, key, "healthy/bot") as traffic:
        rollout = traffic.wait_for(
            lambda: _finished(fleet.ctl.json("rollout", "status", "healthy/bot")), "the rollout to end", 300
        )

    assert (rollout["state"], rollout["current_percent"]) == ("succeeded", 100), rollout
    assert rollout["reason"].startswith("canary healthy")
    steps = [
        ([(arm["version"], arm["weight"]) for arm in revision["arms"]], revision["created_by"], revision["ready_at"] is not None)
        for revision in reversed(fleet.ctl.json("history", "healthy/bot"))
    ]
    assert steps == [
        ([(1, 100)], "admin", True),
        ([(1, 50), (2, 50)], "admin", True),  # step 1, written when the rollout started
        ([(2, 100)], "rollout-controller", True),  # step 2, after step 1 was judged healthy
    ]
    assert all(answer.style == STYLE[answer.version] for answer in traffic.answers)
    assert sum(answer.version == "healthy/bot:v2" for answer in traffic.answers) >= 3
    events = [e["action"] for e in fleet.ctl.json("audit", "--tenant", "healthy")]
    assert "rollout.start" in events and "rollout.succeed" in events
