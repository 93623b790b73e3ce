from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from control_plane.models.base import Base, utcnow
from control_plane.models.route import Route

ACTIVE_ROLLOUT_STATES = ("running", "paused")


class Rollout(Base):
    """A progressive rollout of `canary` on a route, judged step by step against `baseline`."""

    __tablename__ = "rollouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("routes.id", ondelete="CASCADE"), index=True)
    baseline_version: Mapped[int]
    canary_version: Mapped[int]
    steps: Mapped[list[int]] = mapped_column(JSON)
    #: The route's weights when the rollout started ({"version": weight}): what a rollback restores.
    origin_weights: Mapped[dict[str, int]] = mapped_column(JSON, default=dict, server_default="{}")
    step_index: Mapped[int] = mapped_column(default=0)
    interval_seconds: Mapped[float]
    max_error_rate: Mapped[float]
    max_latency_ratio: Mapped[float]
    min_requests: Mapped[int]
    #: running | paused | succeeded | rolled_back | aborted
    state: Mapped[str] = mapped_column(String(20), default="running", index=True)
    reason: Mapped[str] = mapped_column(String(2000), default="")
    #: The revision written for the current step, and when it became ready (the judgement
    #: window starts then) with the per-version counters at that moment.
    step_revision: Mapped[int | None] = mapped_column(default=None)
    window_started_at: Mapped[datetime | None] = mapped_column(default=None)
    window_counters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    route: Mapped[Route] = relationship(lazy="raise")
