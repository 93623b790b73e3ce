"""Desired state, read from the database: per base model, which versions must be loaded on
which live workers, and each route's newest, ready and pending revisions."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from control_plane.adapters.repository import VersionRepository
from control_plane.kit.names import version_name
from control_plane.models import Adapter, BaseModel, Route, RouteRevision, Tenant, Version, Worker
from control_plane.reconciler.placement import (
    PRIORITY_PINNED,
    PRIORITY_SERVING,
    PRIORITY_WARM,
    Demand,
    Placement,
    Slot,
    place,
)
from control_plane.settings import Settings
from control_plane.workers.repository import WorkerRepository


@dataclass
class RouteState:
    route: Route
    ref: str  # tenant/adapter@route
    newest: RouteRevision
    ready: RouteRevision | None

    @property
    def pending(self) -> RouteRevision | None:
        """The newest revision if it is not ready yet (workers still route by `ready`)."""
        return None if self.newest.ready_at is not None else self.newest


@dataclass
class BaseModelPlan:
    base_model: BaseModel
    workers: list[Worker]
    placement: Placement
    versions: dict[int, Version] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    routes: list[RouteState] = field(default_factory=list)


def plan(session: Session, settings: Settings) -> list[BaseModelPlan]:
    plans = []
    for base_model in session.scalars(select(BaseModel).order_by(BaseModel.name)):
        plans.append(plan_base_model(session, settings, base_model))
    return plans


def plan_base_model(session: Session, settings: Settings, base_model: BaseModel) -> BaseModelPlan:
    versions: dict[int, Version] = {}
    names: dict[int, str] = {}
    by_adapter_number: dict[tuple[int, int], int] = {}
    for version, tenant, adapter in VersionRepository(session).on_base_model(base_model.id):
        versions[version.id] = version
        names[version.id] = version_name(tenant, adapter, version.number)
        by_adapter_number[(version.adapter_id, version.number)] = version.id

    priorities: dict[int, int] = {}

    def want(version_id: int, priority: int) -> None:
        priorities[version_id] = min(priority, priorities.get(version_id, priority))

    routes = []
    route_rows = session.execute(
        select(Route, Adapter.name, Tenant.name)
        .join(Adapter, Adapter.id == Route.adapter_id)
        .join(Tenant, Tenant.id == Adapter.tenant_id)
        .where(Adapter.base_model_id == base_model.id)
    )
    for route, adapter, tenant in route_rows:
        revisions = list(
            session.scalars(
                select(RouteRevision)
                .options(selectinload(RouteRevision.arms))
                .where(RouteRevision.route_id == route.id)
                .order_by(RouteRevision.number.desc())
            )
        )
        if not revisions:
            continue
        ready = next((r for r in revisions if r.ready_at is not None), None)
        routes.append(RouteState(route=route, ref=f"{tenant}/{adapter}@{route.name}", newest=revisions[0], ready=ready))
        serving = [revisions[0]] + ([ready] if ready is not None else [])
        anchor = (ready or revisions[0]).number
        warm = [r for r in revisions if anchor - settings.warm_revisions <= r.number < anchor]
        for revision in serving:
            for arm in revision.arms:
                want(by_adapter_number[(route.adapter_id, arm.version_number)], PRIORITY_SERVING)
        for revision in warm:
            for arm in revision.arms:
                want(by_adapter_number[(route.adapter_id, arm.version_number)], PRIORITY_WARM)
    for version in versions.values():
        if version.pinned:
            want(version.id, PRIORITY_PINNED)

    workers = WorkerRepository(session).list(base_model.id, live_only=True)
    demands = [
        Demand(version_id=v, name=names[v], rank=versions[v].rank, priority=p) for v, p in priorities.items()
    ]
    slots = [Slot(worker_id=w.id, name=w.name, capacity=w.max_cpu_loras, max_rank=w.max_lora_rank) for w in workers]
    return BaseModelPlan(
        base_model=base_model,
        workers=workers,
        placement=place(demands, slots, settings.replicas_per_version),
        versions=versions,
        names=names,
        routes=routes,
    )
