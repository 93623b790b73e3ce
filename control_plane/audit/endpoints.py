from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from control_plane.audit.repository import AuditRepository
from control_plane.audit.schemas import AuditEventOut
from control_plane.kit.deps import PrincipalDep, SessionDep
from control_plane.kit.pagination import Page, page_params
from control_plane.tenants.repository import TenantRepository

router = APIRouter(prefix="/v1/audit", tags=["audit"])


@router.get("", response_model=list[AuditEventOut])
def list_audit_events(
    principal: PrincipalDep,
    session: SessionDep,
    page: Annotated[Page, Depends(page_params)],
    tenant: Annotated[str | None, Query(description="Only this tenant's events")] = None,
    since: Annotated[datetime | None, Query(description="ISO 8601 time, e.g. 2026-11-01T00:00:00Z")] = None,
    action: Annotated[str | None, Query(description="e.g. route.rollback")] = None,
):
    """Audit events, newest first. Tenant keys see their own tenant's events only."""
    if tenant is not None:
        tenant_id: int | None = TenantRepository(session).get_scoped(principal, tenant).id
    else:
        tenant_id = None if principal.is_admin else principal.tenant_id
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    events = AuditRepository(session).search(tenant_id, since, action, page.limit, page.offset)
    return [
        AuditEventOut(
            id=event.id,
            at=event.at,
            actor=event.actor,
            tenant=tenant_name,
            action=event.action,
            target=event.target,
            details=event.details,
        )
        for event, tenant_name in events
    ]
