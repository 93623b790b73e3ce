"""`GET /v1/adapters/{tenant}/{adapter}/status`: what the fleet does for one adapter."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from control_plane.adapters.service import scoped_adapter
from control_plane.kit.deps import PrincipalDep, SessionDep, SettingsDep
from control_plane.reconciler.desired import plan_base_model
from control_plane.workers.repository import WorkerVersionRepository

router = APIRouter(prefix="/v1/adapters/{tenant}/{adapter}/status", tags=["status"])


class RouteStatus(BaseModel):
    name: str
    newest_revision: int
    ready_revision: int | None
    pending: bool
    serving: dict[int, int]


class VersionOnWorker(BaseModel):
    version: str
    state: str  # loaded | loading | failed | absent
    error: str | None


class WorkerStatus(BaseModel):
    name: str
    url: str
    state: str
    last_heartbeat_at: datetime
    versions: list[VersionOnWorker]


class AdapterStatus(BaseModel):
    adapter: str
    base_model: str
    routes: list[RouteStatus]
    workers: list[WorkerStatus]
    unplaced: dict[str, str]


@router.get("", response_model=AdapterStatus)
def adapter_status(tenant: str, adapter: str, principal: PrincipalDep, session: SessionDep, settings: SettingsDep):
    """Per route the ready and pending revision; per worker which versions are loaded, loading or failed."""
    found = scoped_adapter(session, principal, tenant, adapter)
    base = plan_base_model(session, settings, found.base_model)
    mine = {vid: name for vid, name in base.names.items() if base.versions[vid].adapter_id == found.id}
    rows = WorkerVersionRepository(session).for_versions(list(mine))
    observed = {(row.worker_id, row.version_id): row for row in rows}
    workers = []
    for worker in base.workers:
        wanted = {d.version_id for d in base.placement.by_worker.get(worker.id, []) if d.version_id in mine}
        held = {vid for (wid, vid), row in observed.items() if wid == worker.id and row.state == "loaded"}
        versions = []
        for vid in sorted(wanted | held, key=lambda v: base.versions[v].number):
            row = observed.get((worker.id, vid))
            state = row.state if row is not None else "loading"
            versions.append(VersionOnWorker(version=mine[vid], state=state, error=row.last_error if row else None))
        workers.append(
            WorkerStatus(name=worker.name, url=worker.url, state=worker.state, last_heartbeat_at=worker.last_heartbeat_at, versions=versions)
        )
    routes = [
        RouteStatus(
            name=state.route.name,
            newest_revision=state.newest.number,
            ready_revision=state.ready.number if state.ready else None,
            pending=state.pending is not None,
            serving={arm.version_number: arm.weight for arm in state.ready.arms} if state.ready else {},
        )
        for state in base.routes
        if state.route.adapter_id == found.id
    ]
    prefix = f"{found.tenant.name}/{found.name}:"
    unplaced = {name: why for name, why in base.placement.unplaced.items() if name.startswith(prefix)}
    return AdapterStatus(
        adapter=f"{found.tenant.name}/{found.name}", base_model=found.base_model.name, routes=routes, workers=workers, unplaced=unplaced
    )
