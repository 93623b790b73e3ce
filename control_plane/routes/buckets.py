"""Sticky weighted splits (DESIGN.md "Sticky splits"), shared by the control plane and workers.

bucket = sha256(route_id + ":" + sticky_key) mod 10,000. Arms take contiguous bucket ranges in
ascending version order, so the newest version owns the top of the range: raising a canary's
weight only moves users into it, never out of it. Pure functions, no I/O: every worker computes
the same answer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

BUCKETS = 10_000
TOTAL_WEIGHT = 100
MAX_ARMS = 8


def bucket(route_id: str | int, sticky_key: str) -> int:
    digest = hashlib.sha256(f"{route_id}:{sticky_key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def arm_ranges(weights: Mapping[int, int]) -> list[tuple[int, int, int]]:
    """(version, start, end) bucket ranges for `{version: weight}` weights summing to 100."""
    ranges = []
    start = 0
    for version in sorted(weights):
        end = start + weights[version] * (BUCKETS // TOTAL_WEIGHT)
        if end > start:
            ranges.append((version, start, end))
        start = end
    return ranges


def choose_version(route_id: str | int, sticky_key: str, weights: Mapping[int, int]) -> int:
    """The version a sticky key is served by, for `{version: weight}` weights summing to 100."""
    if sum(weights.values()) != TOTAL_WEIGHT:
        raise ValueError(f"weights must sum to {TOTAL_WEIGHT}, got {dict(weights)}")
    point = bucket(route_id, sticky_key)
    for version, start, end in arm_ranges(weights):
        if start <= point < end:
            return version
    raise AssertionError("bucket ranges cover 0..BUCKETS")  # unreachable for valid weights
