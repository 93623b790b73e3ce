"""All SQL for routes and their revisions (scoped through the adapter the caller passes)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from control_plane.kit.errors import NotFound
from control_plane.models import Adapter, Route, RouteRevision


class RouteRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, adapter: Adapter, name: str) -> Route | None:
        return self.session.scalar(
            select(Route)
            .options(joinedload(Route.adapter).joinedload(Adapter.tenant))
            .where(Route.adapter_id == adapter.id, Route.name == name)
        )

    def get(self, adapter: Adapter, name: str) -> Route:
        route = self.find(adapter, name)
        if route is None:
            raise NotFound(f"route {adapter.tenant.name}/{adapter.name}@{name} does not exist")
        return route

    def list(self, adapter: Adapter) -> list[Route]:
        return list(self.session.scalars(select(Route).where(Route.adapter_id == adapter.id).order_by(Route.name)))

    def get_or_create(self, adapter: Adapter, name: str) -> Route:
        """The route, created if missing (a concurrent creator's row wins; see AdapterRepository)."""
        found = self.find(adapter, name)
        if found is not None:
            return found
        try:
            with self.session.begin_nested():
                self.session.add(Route(adapter_id=adapter.id, name=name))
        except IntegrityError:
            pass
        return self.get(adapter, name)

    def latest_revision(self, route: Route) -> RouteRevision | None:
        return self.session.scalar(
            select(RouteRevision)
            .options(selectinload(RouteRevision.arms))
            .where(RouteRevision.route_id == route.id)
            .order_by(RouteRevision.number.desc())
            .limit(1)
        )

    def latest_ready_number(self, route: Route) -> int | None:
        return self.session.scalar(
            select(func.max(RouteRevision.number)).where(
                RouteRevision.route_id == route.id, RouteRevision.ready_at.is_not(None)
            )
        )

    def revision(self, route: Route, number: int) -> RouteRevision:
        revision = self.session.scalar(
            select(RouteRevision)
            .options(selectinload(RouteRevision.arms))
            .where(RouteRevision.route_id == route.id, RouteRevision.number == number)
        )
        if revision is None:
            raise NotFound(f"{route.adapter.tenant.name}/{route.adapter.name}@{route.name} has no revision {number}")
        return revision

    def history(self, route: Route, limit: int, offset: int) -> list[RouteRevision]:
        return list(
            self.session.scalars(
                select(RouteRevision)
                .options(selectinload(RouteRevision.arms))
                .where(RouteRevision.route_id == route.id)
                .order_by(RouteRevision.number.desc())
                .limit(limit)
                .offset(offset)
            )
        )

    def next_revision_number(self, route: Route) -> int:
        """Lock the route row (PostgreSQL; SQLite already holds its write lock), then max + 1:
        concurrent changes of one route queue here instead of colliding."""
        self.session.execute(select(Route.id).where(Route.id == route.id).with_for_update())
        current = self.session.scalar(
            select(func.max(RouteRevision.number)).where(RouteRevision.route_id == route.id)
        )
        return (current or 0) + 1

    def add_revision(self, revision: RouteRevision) -> RouteRevision:
        self.session.add(revision)
        self.session.flush()
        return revision


def ready_revisions(session: Session, base_model_id: int) -> list[tuple[str, str, Route, RouteRevision]]:
    """(tenant, adapter, route, newest ready revision) for every route on a base model."""
    from control_plane.models import Tenant

    newest = (
        select(RouteRevision.route_id, func.max(RouteRevision.number).label("number"))
        .where(RouteRevision.ready_at.is_not(None))
        .group_by(RouteRevision.route_id)
        .subquery()
    )
    rows = session.execute(
        select(Tenant.name, Adapter.name, Route, RouteRevision)
        .join(Adapter, Adapter.id == Route.adapter_id)
        .join(Tenant, Tenant.id == Adapter.tenant_id)
        .join(newest, newest.c.route_id == Route.id)
        .join(RouteRevision, (RouteRevision.route_id == Route.id) & (RouteRevision.number == newest.c.number))
        .options(selectinload(RouteRevision.arms))
        .where(Adapter.base_model_id == base_model_id)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]
