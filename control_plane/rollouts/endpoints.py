from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, status

from control_plane.adapters.service import scoped_adapter
from control_plane.kit.deps import PrincipalDep, SessionDep
from control_plane.models.rollout import Rollout
from control_plane.rollouts.repository import RolloutRepository
from control_plane.rollouts.schemas import RolloutAction, RolloutOut, RolloutStart
from control_plane.rollouts.service import RolloutService, RolloutSpec
from control_plane.routes.repository import RouteRepository

router = APIRouter(prefix="/v1/adapters/{tenant}/{adapter}/routes/{route}/rollout", tags=["rollouts"])


def rollout_out(rollout: Rollout, route: str) -> RolloutOut:
    return RolloutOut.model_validate(
        {
            **{f: getattr(rollout, f) for f in RolloutOut.model_fields if f not in ("route", "current_percent")},
            "route": route,
            "current_percent": rollout.steps[rollout.step_index],
        }
    )


@router.post("", response_model=RolloutOut, status_code=status.HTTP_201_CREATED)
def start_rollout(tenant: str, adapter: str, route: str, body: RolloutStart, principal: PrincipalDep, session: SessionDep):
    """Start a progressive rollout of a version on a route."""
    found = scoped_adapter(session, principal, tenant, adapter)
    spec = RolloutSpec(**body.model_dump())
    return rollout_out(RolloutService(session).start(principal, found, route, spec), route)


@router.get("", response_model=RolloutOut)
def rollout_status(tenant: str, adapter: str, route: str, principal: PrincipalDep, session: SessionDep):
    """The route's newest rollout (in progress or finished)."""
    found = scoped_adapter(session, principal, tenant, adapter)
    return rollout_out(RolloutRepository(session).latest(RouteRepository(session).get(found, route)), route)


@router.post("/{action}", response_model=RolloutOut)
def control_rollout(
    tenant: str,
    adapter: str,
    route: str,
    action: Literal["pause", "resume", "promote", "abort"],
    body: RolloutAction,
    principal: PrincipalDep,
    session: SessionDep,
):
    """Pause, resume, promote (to 100% now) or abort (back to the baseline) a rollout."""
    found = scoped_adapter(session, principal, tenant, adapter)
    return rollout_out(RolloutService(session).control(principal, found, route, action, body.reason), route)
