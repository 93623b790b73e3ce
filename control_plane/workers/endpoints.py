from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response

from control_plane.base_models.repository import BaseModelRepository
from control_plane.kit.deps import PrincipalDep, SessionDep
from control_plane.workers.protocol import Heartbeat, HeartbeatResponse, RegisterRequest, RegisterResponse, RoutingTable
from control_plane.workers.repository import WorkerRepository, WorkerVersionRepository
from control_plane.workers.schemas import WorkerOut
from control_plane.workers.service import WorkerService
from control_plane.workers.table import build_routing_table

router = APIRouter(prefix="/v1/workers", tags=["workers"])


@router.post("/register", response_model=RegisterResponse)
def register(body: RegisterRequest, principal: PrincipalDep, session: SessionDep, request: Request):
    """Register a worker and its base model (worker token); returns the routing table."""
    worker = WorkerService(session).register(principal, body)
    request.app.state.nudge()
    return RegisterResponse(
        worker_id=worker.id,
        heartbeat_interval_s=request.app.state.settings.heartbeat_interval_s,
        routing_table=build_routing_table(session, worker.base_model),
    )


@router.post("/{worker_id}/heartbeat", response_model=HeartbeatResponse)
def heartbeat(worker_id: int, body: Heartbeat, principal: PrincipalDep, session: SessionDep):
    """Report what the worker's engine holds and its per-version counts (worker token)."""
    service = WorkerService(session)
    worker = service.heartbeat(principal, worker_id, body)
    table = build_routing_table(session, worker.base_model)
    service.note_table(worker, body.table_etag, table)
    return HeartbeatResponse(table_etag=table.etag)


@router.get("/routing-table", response_model=RoutingTable)
def routing_table(
    principal: PrincipalDep,
    session: SessionDep,
    base_model: Annotated[str, Query(description="The worker's served base model name")],
    if_none_match: Annotated[str | None, Header()] = None,
):
    """The routing table for a base model (worker token); 304 when the etag is unchanged."""
    principal.require_worker()
    table = build_routing_table(session, BaseModelRepository(session).get(base_model))
    if if_none_match is not None and if_none_match.strip('"') == table.etag:
        return Response(status_code=304, headers={"etag": f'"{table.etag}"'})
    return table


@router.get("", response_model=list[WorkerOut])
def list_workers(principal: PrincipalDep, session: SessionDep):
    """List workers with their state, capacity and how many versions they hold (admin)."""
    principal.require_admin()
    states = WorkerVersionRepository(session)
    return [
        WorkerOut(
            id=w.id,
            name=w.name,
            url=w.url,
            base_model=w.base_model.name,
            state=w.state,
            max_loras=w.max_loras,
            max_cpu_loras=w.max_cpu_loras,
            max_lora_rank=w.max_lora_rank,
            loaded=sum(1 for row in states.for_worker(w.id).values() if row.state == "loaded"),
            engine_version=w.engine_version,
            registered_at=w.registered_at,
            last_heartbeat_at=w.last_heartbeat_at,
        )
        for w in WorkerRepository(session).list()
    ]
