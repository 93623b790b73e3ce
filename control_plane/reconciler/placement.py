"""Which worker holds which version: rendezvous hashing under each worker's capacity.

Pure functions of the desired set, so every pass (and every control-plane replica) computes the
same placement: nothing moves unless the desired set or the fleet changes, so no ping-pong.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

#: Why a version is wanted, most important first: it decides who gets a slot when full.
PRIORITY_SERVING = 0  # in the newest or the ready revision of a route
PRIORITY_PINNED = 1
PRIORITY_WARM = 2  # in an earlier revision, kept for instant rollback


@dataclass(frozen=True)
class Demand:
    version_id: int
    name: str  # tenant/adapter:vN
    rank: int
    priority: int


@dataclass(frozen=True)
class Slot:
    worker_id: int
    name: str
    capacity: int  # max_cpu_loras
    max_rank: int


@dataclass
class Placement:
    by_worker: dict[int, list[Demand]] = field(default_factory=dict)
    #: version name → why it is not (fully) placed
    unplaced: dict[str, str] = field(default_factory=dict)

    def workers_of(self, version_id: int) -> list[int]:
        return [w for w, demands in self.by_worker.items() if any(d.version_id == version_id for d in demands)]


def score(worker: str, version: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{worker}|{version}".encode()).digest()[:8], "big")


def place(demands: list[Demand], slots: list[Slot], replicas: int) -> Placement:
    """Place each demand on `replicas` workers (0 = all) in rendezvous order, most important
    demands first, skipping workers that are full or whose max rank is too small."""
    placement = Placement(by_worker={slot.worker_id: [] for slot in slots})
    for demand in sorted(demands, key=lambda d: (d.priority, d.name)):
        eligible = [s for s in slots if s.max_rank >= demand.rank]
        if not eligible:
            placement.unplaced[demand.name] = f"rank {demand.rank} exceeds every worker's max_lora_rank"
            continue
        wanted = len(eligible) if replicas == 0 else min(replicas, len(eligible))
        placed = 0
        for slot in sorted(eligible, key=lambda s: score(s.name, demand.name), reverse=True):
            if placed == wanted:
                break
            if len(placement.by_worker[slot.worker_id]) < slot.capacity:
                placement.by_worker[slot.worker_id].append(demand)
                placed += 1
        if placed < wanted:
            placement.unplaced[demand.name] = (
                f"placed on {placed} of {wanted} workers: the others are full (max_cpu_loras)"
            )
    return placement
