"""Progressive rollout rules: start, pause, resume, promote, abort; and the step writes the
controller shares (a rollout only ever changes its route through RouteService)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from control_plane.adapters.repository import VersionRepository
from control_plane.audit.repository import AuditRepository
from control_plane.kit.auth import Principal
from control_plane.kit.errors import Conflict, InvalidInput
from control_plane.models import Adapter, Route
from control_plane.models.rollout import Rollout
from control_plane.rollouts.repository import RolloutRepository
from control_plane.routes.repository import RouteRepository
from control_plane.routes.service import RouteService, arms_of

CONTROLLER = Principal(kind="rollout-controller")


@dataclass(frozen=True)
class RolloutSpec:
    to_version: int
    steps: list[int]
    interval_seconds: float
    max_error_rate: float
    max_latency_ratio: float
    min_requests: int


def check_steps(steps: list[int]) -> None:
    if not steps or steps[-1] != 100:
        raise InvalidInput("rollout steps must end at 100, e.g. 10,50,100")
    if any(not 1 <= s <= 100 for s in steps) or any(b <= a for a, b in zip(steps, steps[1:])):
        raise InvalidInput(f"rollout steps must be increasing percentages from 1 to 100, got {steps}")


def step_weights(rollout: Rollout, percent: int) -> dict[int, int]:
    if percent >= 100:
        return {rollout.canary_version: 100}
    return {rollout.baseline_version: 100 - percent, rollout.canary_version: percent}


class RolloutService:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.rollouts = RolloutRepository(session)
        self.routes = RouteRepository(session)
        self.route_service = RouteService(session)
        self.audit = AuditRepository(session)

    def start(self, principal: Principal, adapter: Adapter, route_name: str, spec: RolloutSpec) -> Rollout:
        check_steps(spec.steps)
        route = self.routes.get(adapter, route_name)
        self.routes.next_revision_number(route)  # takes the route's lock: one start at a time
        if self.rollouts.active(route) is not None:
            raise Conflict(f"route {route_name!r} already has a rollout in progress; abort or promote it first")
        current = arms_of(self.routes.latest_revision(route))
        if not current:
            raise Conflict(f"route {route_name!r} has no revision to roll out from")
        VersionRepository(self.session).get(adapter, spec.to_version)
        baselines = sorted((w, v) for v, w in current.items() if v != spec.to_version)
        if not baselines:
            raise Conflict(f"v{spec.to_version} already takes all traffic of route {route_name!r}")
        rollout = self.rollouts.add(
            Rollout(
                route_id=route.id,
                baseline_version=baselines[-1][1],
                canary_version=spec.to_version,
                steps=spec.steps,
                origin_weights={str(v): w for v, w in current.items()},
                interval_seconds=spec.interval_seconds,
                max_error_rate=spec.max_error_rate,
                max_latency_ratio=spec.max_latency_ratio,
                min_requests=spec.min_requests,
                created_by=principal.actor,
                window_counters={},
            )
        )
        self.audit.record(
            principal,
            "rollout.start",
            self._ref(adapter, route),
            tenant_id=adapter.tenant_id,
            rollout=rollout.id,
            baseline=f"v{rollout.baseline_version}",
            canary=f"v{rollout.canary_version}",
            steps=spec.steps,
        )
        self.write_step(principal, adapter, route, rollout)
        return rollout

    def write_step(self, principal: Principal, adapter: Adapter, route: Route, rollout: Rollout) -> None:
        percent = rollout.steps[rollout.step_index]
        _, revision, _ = self.route_service.set_split(
            principal,
            adapter,
            route.name,
            step_weights(rollout, percent),
            reason=f"rollout {rollout.id}: step {rollout.step_index + 1}/{len(rollout.steps)} ({percent}% to v{rollout.canary_version})",
        )
        rollout.step_revision = revision.number
        rollout.window_started_at = None
        rollout.window_counters = {}

    def roll_back(self, principal: Principal, adapter: Adapter, route: Route, rollout: Rollout, reason: str, state: str) -> None:
        """Restore the route's weights from before the rollout at once, and record why. If one of
        those versions was deprecated since, all traffic goes to the baseline instead."""
        origin = {int(v): w for v, w in rollout.origin_weights.items()} or {rollout.baseline_version: 100}
        note = f"rollout {rollout.id} {state}: {reason}"
        try:
            with self.session.begin_nested():
                self.route_service.set_split(principal, adapter, route.name, origin, reason=note)
        except InvalidInput:
            self.route_service.set_split(principal, adapter, route.name, {rollout.baseline_version: 100}, reason=note)
        rollout.state, rollout.reason = state, reason
        action = "rollout.rollback" if state == "rolled_back" else "rollout.abort"
        self.audit.record(principal, action, self._ref(adapter, route), tenant_id=adapter.tenant_id, rollout=rollout.id, reason=reason)

    def control(self, principal: Principal, adapter: Adapter, route_name: str, action: str, reason: str = "") -> Rollout:
        route = self.routes.get(adapter, route_name)
        rollout = self.rollouts.active(route)
        if rollout is None:
            raise Conflict(f"route {route_name!r} has no rollout in progress")
        if action == "pause":
            if rollout.state != "running":
                raise Conflict("the rollout is not running")
            rollout.state = "paused"
        elif action == "resume":
            if rollout.state != "paused":
                raise Conflict("the rollout is not paused")
            rollout.state, rollout.window_started_at, rollout.window_counters = "running", None, {}
        elif action == "promote":
            self.route_service.set_split(
                principal, adapter, route.name, {rollout.canary_version: 100}, reason=f"rollout {rollout.id} promoted"
            )
            rollout.state, rollout.reason = "succeeded", reason or "promoted by hand"
            rollout.step_index = len(rollout.steps) - 1
        elif action == "abort":
            self.roll_back(principal, adapter, route, rollout, reason or "aborted by hand", "aborted")
            return rollout
        else:
            raise InvalidInput(f"unknown rollout action {action!r}")
        self.audit.record(principal, f"rollout.{action}", self._ref(adapter, route), tenant_id=adapter.tenant_id, rollout=rollout.id)
        return rollout

    @staticmethod
    def _ref(adapter: Adapter, route: Route) -> str:
        return f"{adapter.tenant.name}/{adapter.name}@{route.name}"
