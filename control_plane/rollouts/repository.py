from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from control_plane.kit.errors import NotFound
from control_plane.models import Adapter, Route, Version, Worker, WorkerVersion
from control_plane.models.rollout import ACTIVE_ROLLOUT_STATES, Rollout


class RolloutRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def active(self, route: Route) -> Rollout | None:
        return self.session.scalar(
            select(Rollout).where(Rollout.route_id == route.id, Rollout.state.in_(ACTIVE_ROLLOUT_STATES))
        )

    def latest(self, route: Route) -> Rollout:
        rollout = self.session.scalar(
            select(Rollout).where(Rollout.route_id == route.id).order_by(Rollout.id.desc()).limit(1)
        )
        if rollout is None:
            raise NotFound(f"route {route.name!r} has no rollouts")
        return rollout

    def running(self) -> list[Rollout]:
        """Running rollouts, with their route, adapter and tenant loaded."""
        return list(
            self.session.scalars(
                select(Rollout)
                .options(joinedload(Rollout.route).joinedload(Route.adapter).joinedload(Adapter.tenant))
                .where(Rollout.state == "running")
                .order_by(Rollout.id)
            )
        )

    def add(self, rollout: Rollout) -> Rollout:
        self.session.add(rollout)
        self.session.flush()
        return rollout

    def totals(self, adapter_id: int, numbers: list[int]) -> dict[int, dict[str, float]]:
        """Per version number: request, error and latency totals summed over all workers."""
        rows = self.session.execute(
            select(
                Version.number,
                func.coalesce(func.sum(WorkerVersion.requests), 0),
                func.coalesce(func.sum(WorkerVersion.errors), 0),
                func.coalesce(func.sum(WorkerVersion.latency_seconds_sum), 0.0),
            )
            .join(WorkerVersion, WorkerVersion.version_id == Version.id, isouter=True)
            .where(Version.adapter_id == adapter_id, Version.number.in_(numbers))
            .group_by(Version.number)
        )
        totals = {n: {"requests": 0, "errors": 0, "latency_seconds_sum": 0.0} for n in numbers}
        for number, requests, errors, latency in rows:
            totals[number] = {"requests": int(requests), "errors": int(errors), "latency_seconds_sum": float(latency)}
        return totals

    def load_failures(self, adapter_id: int, number: int) -> list[tuple[str, str, bool, int]]:
        """(worker name, error, permanent, attempts) for each worker failing to load a version."""


        rows = self.session.execute(
            select(Worker.name, WorkerVersion.last_error, WorkerVersion.permanent, WorkerVersion.attempts)
            .join(WorkerVersion, WorkerVersion.worker_id == Worker.id)
            .join(Version, Version.id == WorkerVersion.version_id)
            .where(Version.adapter_id == adapter_id, Version.number == number, WorkerVersion.state == "failed")
        )
        return [(name, error or "", permanent, attempts) for name, error, permanent, attempts in rows]



