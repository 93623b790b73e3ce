"""Two control-plane replicas on one PostgreSQL database: both answer the API, exactly one holds
the reconciler lease (PostgreSQL's own lock table says which), and when the holder dies the
other takes the lease over and keeps the fleet moving."""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests.support.fleet import ask_all, lease_holders, wait_for

pytestmark = [pytest.mark.vllm, pytest.mark.postgres]


def test_one_replica_reconciles_at_a_time_and_the_other_takes_over_when_it_dies(fleet, workers):
    plane, peer = fleet.plane, fleet.peer
    assert lease_holders(fleet.database_url, [plane, peer]) == [peer]
    listed = {plane.url: fleet.ctl.json("workers", "list"), peer.url: fleet.ctl.against(peer).json("workers", "list")}
    assert [w["name"] for w in listed[plane.url]] == [w["name"] for w in listed[peer.url]]

    key = fleet.create_tenant("replicas")
    fleet.publish("replicas/bot", "pirate")
    fleet.publish("replicas/bot", "caps")
    # Written through the replica without the lease; the holder loads it and marks it ready.
    fleet.ctl.run("split", "set", "replicas/bot", "v2=100", "--wait")
    assert lease_holders(fleet.database_url, [plane, peer]) == [peer]

    os.kill(peer.process.pid, signal.SIGKILL)
    peer.process.wait(timeout=30)
    killed = time.monotonic()
    wait_for(lambda: lease_holders(fleet.database_url, [plane]) == [plane], "the other replica to take the lease", 30, 0.1)
    print(f"the lease changed hands {time.monotonic() - killed:.2f} s after the holder was killed")

    # The new holder loads a new version on both workers, marks it ready and pushes the tables.
    fleet.publish("replicas/bot", "codeword")
    fleet.ctl.run("split", "set", "replicas/bot", "v3=100", "--wait", "--timeout", "120s")
    for answers in ask_all(workers, key, "replicas/bot", ["alice", "bob"]):
        assert {(a.version, a.style) for a in answers.values()} == {("replicas/bot:v3", "codeword")}
