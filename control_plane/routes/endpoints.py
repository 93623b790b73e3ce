from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status
from sqlalchemy.orm import Session

from control_plane.adapters.service import scoped_adapter
from control_plane.kit.deps import PrincipalDep, SessionDep
from control_plane.kit.names import version_name
from control_plane.kit.pagination import Page, page_params
from control_plane.models import Adapter, Route, RouteRevision
from control_plane.routes.repository import RouteRepository
from control_plane.routes.schemas import Arm, RevisionOut, RollbackRequest, RouteOut, SplitRequest, SplitResult
from control_plane.routes.service import RouteService
from control_plane.workers.repository import WorkerRepository

router = APIRouter(prefix="/v1/adapters/{tenant}/{adapter}/routes", tags=["routes"])


def revision_out(adapter: Adapter, revision: RouteRevision) -> RevisionOut:
    return RevisionOut(
        number=revision.number,
        arms=[
            Arm(version=arm.version_number, name=version_name(adapter.tenant.name, adapter.name, arm.version_number), weight=arm.weight)
            for arm in revision.arms
        ],
        reason=revision.reason,
        rollback_of=revision.rollback_of,
        ready_at=revision.ready_at,
        created_by=revision.created_by,
        created_at=revision.created_at,
    )


def route_out(session: Session, adapter: Adapter, route: Route) -> RouteOut:
    repository = RouteRepository(session)
    current = repository.latest_revision(route)
    ready = repository.latest_ready_number(route)
    waiting_for: list[str] = []
    if current is not None and ready == current.number and current.ready_at is not None:
        waiting_for = WorkerRepository(session).unsynced(adapter.base_model_id, current.ready_at)
    return RouteOut(
        id=route.id,
        name=route.name,
        adapter=f"{adapter.tenant.name}/{adapter.name}",
        current=revision_out(adapter, current) if current else None,
        ready_revision=ready,
        ready=current is not None and ready == current.number and not waiting_for,
        unsynced_workers=waiting_for,
    )


@router.get("", response_model=list[RouteOut])
def list_routes(tenant: str, adapter: str, principal: PrincipalDep, session: SessionDep):
    """List an adapter's routes with their current split."""
    found = scoped_adapter(session, principal, tenant, adapter)
    return [route_out(session, found, route) for route in RouteRepository(session).list(found)]


@router.get("/{route}", response_model=RouteOut)
def show_route(tenant: str, adapter: str, route: str, principal: PrincipalDep, session: SessionDep):
    """Show a route's current split."""
    found = scoped_adapter(session, principal, tenant, adapter)
    return route_out(session, found, RouteRepository(session).get(found, route))


@router.post("/{route}/revisions", response_model=SplitResult, status_code=status.HTTP_201_CREATED)
def set_split(
    tenant: str, adapter: str, route: str, body: SplitRequest, principal: PrincipalDep, session: SessionDep, response: Response
):
    """Set a route's weighted split (creates the route if needed); same weights are a no-op."""
    found = scoped_adapter(session, principal, tenant, adapter)
    written, _, changed = RouteService(session).set_split(principal, found, route, body.weights, body.reason)
    if not changed:
        response.status_code = status.HTTP_200_OK
    return SplitResult(**route_out(session, found, written).model_dump(), changed=changed)


@router.get("/{route}/revisions", response_model=list[RevisionOut])
def route_history(
    tenant: str,
    adapter: str,
    route: str,
    principal: PrincipalDep,
    session: SessionDep,
    page: Annotated[Page, Depends(page_params)],
):
    """A route's revisions, newest first."""
    found = scoped_adapter(session, principal, tenant, adapter)
    repository = RouteRepository(session)
    revisions = repository.history(repository.get(found, route), page.limit, page.offset)
    return [revision_out(found, revision) for revision in revisions]


@router.post("/{route}/rollback", response_model=RouteOut, status_code=status.HTTP_201_CREATED)
def rollback(tenant: str, adapter: str, route: str, body: RollbackRequest, principal: PrincipalDep, session: SessionDep):
    """Write a new revision equal to an earlier one (default: the previous revision)."""
    found = scoped_adapter(session, principal, tenant, adapter)
    written, _ = RouteService(session).rollback(principal, found, route, body.to_revision, body.reason)
    return route_out(session, found, written)
