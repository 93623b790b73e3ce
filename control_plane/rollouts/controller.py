"""The rollout controller: runs in the reconciler's pass (so only on the lease holder).

Each step waits until its revision is ready, opens a judgement window (counters snapshot),
and judges the canary against the baseline from the counts workers report. A failed judgement
or a canary that workers cannot load rolls back at once, with the reason recorded.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from control_plane.models.rollout import Rollout
from control_plane.rollouts.judge import judge, window
from control_plane.rollouts.repository import RolloutRepository
from control_plane.rollouts.service import CONTROLLER, RolloutService
from control_plane.routes.repository import RouteRepository
from control_plane.settings import Settings

log = logging.getLogger("adapterplane.rollouts")

#: Load attempts of the canary that may fail temporarily before the rollout gives up on it.
MAX_LOAD_ATTEMPTS = 3


class RolloutController:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def advance(self, session: Session, now: datetime) -> bool:
        """Advance every running rollout by what `now` allows; True if a revision was written."""
        wrote = False
        for rollout in RolloutRepository(session).running():
            try:
                wrote = self._advance_one(session, rollout, now) or wrote
            except Exception:
                log.exception("rollout %s could not advance", rollout.id)
        return wrote

    def _advance_one(self, session: Session, rollout: Rollout, now: datetime) -> bool:
        route = rollout.route
        adapter = route.adapter
        repository = RolloutRepository(session)
        service = RolloutService(session)
        failures = repository.load_failures(adapter.id, rollout.canary_version)
        hopeless = [f for f in failures if f[2] or f[3] >= MAX_LOAD_ATTEMPTS]
        if hopeless:
            worker, error, _, _ = hopeless[0]
            service.roll_back(
                CONTROLLER, adapter, route, rollout, f"v{rollout.canary_version} failed to load on {worker}: {error}", "rolled_back"
            )
            return True
        revision = RouteRepository(session).revision(route, rollout.step_revision) if rollout.step_revision else None
        if revision is None or revision.ready_at is None:
            return False  # the step's revision is not serving yet
        numbers = [rollout.canary_version, rollout.baseline_version]
        totals = repository.totals(adapter.id, numbers)
        if rollout.window_started_at is None:
            rollout.window_started_at = max(now, revision.ready_at)
            rollout.window_counters = {str(n): totals[n] for n in numbers}
            return False
        start = rollout.window_counters
        verdict = judge(
            canary=window(totals[rollout.canary_version], start.get(str(rollout.canary_version), {})),
            baseline=window(totals[rollout.baseline_version], start.get(str(rollout.baseline_version), {})),
            max_error_rate=rollout.max_error_rate,
            max_latency_ratio=rollout.max_latency_ratio,
            min_requests=rollout.min_requests,
            interval_over=(now - rollout.window_started_at).total_seconds() >= rollout.interval_seconds,
        )
        if verdict.passed is None:
            rollout.reason = verdict.reason
            return False
        if verdict.passed is False:
            service.roll_back(CONTROLLER, adapter, route, rollout, verdict.reason, "rolled_back")
            return True
        if rollout.step_index + 1 >= len(rollout.steps):
            rollout.state, rollout.reason = "succeeded", verdict.reason
            service.audit.record(
                CONTROLLER, "rollout.succeed", f"{adapter.tenant.name}/{adapter.name}@{route.name}",
                tenant_id=adapter.tenant_id, rollout=rollout.id,
            )
            return False
        rollout.step_index += 1
        rollout.reason = verdict.reason
        service.write_step(CONTROLLER, adapter, route, rollout)
        return True
