"""Route rules: weighted splits, revisions (history kept forever) and rollback."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from control_plane.adapters.repository import VersionRepository
from control_plane.audit.repository import AuditRepository
from control_plane.kit.auth import Principal
from control_plane.kit.errors import Conflict, InvalidInput
from control_plane.kit.names import check_name
from control_plane.models import Adapter, RevisionArm, Route, RouteRevision, Version
from control_plane.routes.buckets import MAX_ARMS, TOTAL_WEIGHT
from control_plane.routes.repository import RouteRepository


def check_weights(weights: Mapping[int, int]) -> None:
    if not weights:
        raise InvalidInput("a split needs at least one version, e.g. v1=100")
    if len(weights) > MAX_ARMS:
        raise InvalidInput(f"a split has at most {MAX_ARMS} versions, got {len(weights)}")
    for version, weight in weights.items():
        if version < 1:
            raise InvalidInput(f"invalid version number {version}")
        if not 1 <= weight <= TOTAL_WEIGHT:
            raise InvalidInput(f"weight of v{version} must be an integer from 1 to 100, got {weight}")
    total = sum(weights.values())
    if total != TOTAL_WEIGHT:
        raise InvalidInput(f"weights must sum to {TOTAL_WEIGHT}, got {total}")


def arms_of(revision: RouteRevision | None) -> dict[int, int]:
    return {} if revision is None else {arm.version_number: arm.weight for arm in revision.arms}


class RouteService:
    def __init__(self, session: Session) -> None:
        self.routes = RouteRepository(session)
        self.versions = VersionRepository(session)
        self.audit = AuditRepository(session)

    def ensure_route(self, adapter: Adapter, name: str) -> Route:
        check_name(name, "route")
        return self.routes.get_or_create(adapter, name)

    def set_split(
        self,
        principal: Principal,
        adapter: Adapter,
        route_name: str,
        weights: Mapping[int, int],
        reason: str = "",
    ) -> tuple[Route, RouteRevision, bool]:
        """Write a revision with `weights`; (route, revision, changed). Same weights: no-op."""
        check_weights(weights)
        found = self.versions.by_numbers(adapter, list(weights))
        name = f"{adapter.tenant.name}/{adapter.name}"
        missing = sorted(set(weights) - set(found))
        if missing:
            raise InvalidInput(
                f"{name} has no version {', '.join(f'v{n}' for n in missing)}; "
                "see 'adapterctl versions list " + name + "'"
            )
        deprecated = sorted(n for n, version in found.items() if version.status == "deprecated")
        if deprecated:
            raise InvalidInput(f"{name}:v{deprecated[0]} is deprecated and cannot receive new traffic")
        route = self.ensure_route(adapter, route_name)
        current = self.routes.latest_revision(route)
        if current is not None and arms_of(current) == dict(weights):
            return route, current, False
        revision = self._write(principal, route, found, weights, reason, rollback_of=None)
        self.audit.record(
            principal,
            "route.split",
            f"{name}@{route.name}",
            tenant_id=adapter.tenant_id,
            revision=revision.number,
            weights={f"v{n}": w for n, w in sorted(weights.items())},
            reason=reason,
        )
        return route, revision, True

    def rollback(
        self,
        principal: Principal,
        adapter: Adapter,
        route_name: str,
        to_revision: int | None,
        reason: str = "",
    ) -> tuple[Route, RouteRevision]:
        """Write a new revision equal to `to_revision` (default: the one before the latest)."""
        route = self.routes.get(adapter, route_name)
        current = self.routes.latest_revision(route)
        name = f"{adapter.tenant.name}/{adapter.name}@{route.name}"
        if current is None:
            raise Conflict(f"{name} has no revisions to roll back")
        if to_revision is None:
            if current.number == 1:
                raise Conflict(f"{name} has only one revision; nothing to roll back to")
            to_revision = current.number - 1
        if to_revision == current.number:
            raise Conflict(f"revision {to_revision} is already the current revision of {name}")
        target = self.routes.revision(route, to_revision)
        weights = arms_of(target)
        found = self.versions.by_numbers(adapter, list(weights))
        revision = self._write(principal, route, found, weights, reason, rollback_of=target.number)
        self.audit.record(
            principal,
            "route.rollback",
            name,
            tenant_id=adapter.tenant_id,
            revision=revision.number,
            to_revision=target.number,
            weights={f"v{n}": w for n, w in sorted(weights.items())},
            reason=reason,
        )
        return route, revision

    def _write(
        self,
        principal: Principal,
        route: Route,
        versions: Mapping[int, Version],
        weights: Mapping[int, int],
        reason: str,
        rollback_of: int | None,
    ) -> RouteRevision:
        revision = RouteRevision(
            route_id=route.id,
            number=self.routes.next_revision_number(route),
            reason=reason,
            rollback_of=rollback_of,
            created_by=principal.actor,
        )
        revision.arms = [
            RevisionArm(version_id=versions[number].id, version_number=number, weight=weight)
            for number, weight in sorted(weights.items())
        ]
        return self.routes.add_revision(revision)
