from __future__ import annotations

from control_plane.reconciler.placement import PRIORITY_PINNED, PRIORITY_SERVING, PRIORITY_WARM, Demand, Slot, place


def demand(i: int, priority: int = PRIORITY_SERVING, rank: int = 8) -> Demand:
    return Demand(version_id=i, name=f"acme/bot:v{i}", rank=rank, priority=priority)


def test_everything_fits_everywhere_by_default() -> None:
    slots = [Slot(1, "w1", 4, 64), Slot(2, "w2", 4, 64)]
    placement = place([demand(1), demand(2)], slots, replicas=0)
    assert {w: [d.version_id for d in ds] for w, ds in placement.by_worker.items()} == {1: [1, 2], 2: [1, 2]}
    assert placement.unplaced == {}


def test_a_full_worker_keeps_the_most_important_versions_and_reports_the_rest() -> None:
    slots = [Slot(1, "w1", 2, 64)]
    wanted = [demand(3, PRIORITY_WARM), demand(1, PRIORITY_SERVING), demand(2, PRIORITY_PINNED)]
    placement = place(wanted, slots, replicas=0)
    assert [d.version_id for d in placement.by_worker[1]] == [1, 2]
    assert "acme/bot:v3" in placement.unplaced and "full" in placement.unplaced["acme/bot:v3"]


def test_placement_is_stable_across_passes_and_input_order() -> None:
    slots = [Slot(i, f"w{i}", 2, 64) for i in range(1, 5)]
    wanted = [demand(i) for i in range(1, 7)]
    first = place(wanted, slots, replicas=1)
    for _ in range(5):
        again = place(list(reversed(wanted)), list(reversed(slots)), replicas=1)
        assert {w: sorted(d.version_id for d in ds) for w, ds in again.by_worker.items()} == {
            w: sorted(d.version_id for d in ds) for w, ds in first.by_worker.items()
        }
    assert all(len(first.workers_of(i)) == 1 for i in range(1, 7))


def test_a_new_worker_moves_few_versions() -> None:
    wanted = [demand(i) for i in range(1, 41)]
    three = place(wanted, [Slot(i, f"w{i}", 40, 64) for i in range(1, 4)], replicas=1)
    four = place(wanted, [Slot(i, f"w{i}", 40, 64) for i in range(1, 5)], replicas=1)
    moved = sum(1 for i in range(1, 41) if three.workers_of(i) != four.workers_of(i))
    assert moved < 20  # rendezvous hashing moves about a quarter, not everything


def test_rank_above_every_worker_is_reported() -> None:
    placement = place([demand(1, rank=128)], [Slot(1, "w1", 4, 64)], replicas=0)
    assert placement.by_worker[1] == [] and "max_lora_rank" in placement.unplaced["acme/bot:v1"]
