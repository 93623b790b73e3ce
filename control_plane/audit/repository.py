from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from control_plane.kit.auth import Principal
from control_plane.models import AuditEvent, Tenant


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(
        self,
        principal: Principal | str,
        action: str,
        target: str,
        tenant_id: int | None = None,
        **details: Any,
    ) -> AuditEvent:
        """Write one audit event in the caller's transaction (so it commits with the change)."""
        actor = principal if isinstance(principal, str) else principal.actor
        event = AuditEvent(actor=actor, action=action, target=target, tenant_id=tenant_id, details=details)
        self.session.add(event)
        return event

    def search(
        self,
        tenant_id: int | None,
        since: datetime | None,
        action: str | None,
        limit: int,
        offset: int,
    ) -> list[tuple[AuditEvent, str | None]]:
        """(event, tenant name) pairs, newest first."""
        query = (
            select(AuditEvent, Tenant.name)
            .outerjoin(Tenant, Tenant.id == AuditEvent.tenant_id)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        )
        if tenant_id is not None:
            query = query.where(AuditEvent.tenant_id == tenant_id)
        if since is not None:
            query = query.where(AuditEvent.at >= since)
        if action is not None:
            query = query.where(AuditEvent.action == action)
        return [tuple(row) for row in self.session.execute(query.limit(limit).offset(offset))]  # type: ignore[misc]
