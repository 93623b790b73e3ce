"""A split set through adapterctl: both workers load the versions, the revision becomes ready,
and then traffic follows the split, as the answers' text shows."""

from __future__ import annotations

import pytest

from tests.support.fleet import ask_all, loaded_by_worker

pytestmark = [pytest.mark.vllm, pytest.mark.postgres]

USERS = [f"user-{n}" for n in range(12)]
STYLE = {"split/bot:v1": "pirate", "split/bot:v2": "caps"}


def test_a_split_is_loaded_everywhere_before_it_is_ready_and_traffic_follows_it(fleet, workers):
    key = fleet.create_tenant("split")
    fleet.publish("split/bot", "pirate")
    fleet.publish("split/bot", "caps")  # not routed yet: loaded nowhere
    assert all("split/bot:v2" not in held for held in loaded_by_worker(fleet.ctl.json("status", "split/bot")).values())

    done = fleet.ctl.run("split", "set", "split/bot", "v1=50", "v2=50", "--wait")
    assert "split/bot is ready" in done.stderr

    status = fleet.ctl.json("status", "split/bot")
    assert [(r["name"], r["newest_revision"], r["ready_revision"], r["pending"]) for r in status["routes"]] == [
        ("default", 2, 2, False)
    ]
    assert loaded_by_worker(status) == {
        "fleet-worker-1": {"split/bot:v1", "split/bot:v2"},
        "fleet-worker-2": {"split/bot:v1", "split/bot:v2"},
    }

    first, second = ask_all(workers, key, "split/bot", USERS)
    for answers in (first, second):
        for user, answer in answers.items():
            assert answer.style == STYLE[answer.version], (user, answer)
    assert {answer.version for answer in first.values()} == set(STYLE)  # both arms get users
    assert {user: a.version for user, a in first.items()} == {user: a.version for user, a in second.items()}

    fleet.ctl.run("split", "set", "split/bot", "v2=100", "--wait")
    for answers in ask_all(workers, key, "split/bot", USERS[:4]):
        assert {(a.version, a.style) for a in answers.values()} == {("split/bot:v2", "caps")}
