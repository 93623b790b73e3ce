"""Adapter and version rules other than publishing: scoped lookup, listing, deprecation."""

from __future__ import annotations

from sqlalchemy.orm import Session

from control_plane.adapters.repository import AdapterRepository, VersionRepository
from control_plane.adapters.schemas import AdapterOut, VersionOut
from control_plane.audit.repository import AuditRepository
from control_plane.kit.auth import Principal
from control_plane.kit.errors import Conflict
from control_plane.kit.names import check_name, version_name
from control_plane.models import Adapter, Version
from control_plane.tenants.repository import TenantRepository


def scoped_adapter(session: Session, principal: Principal, tenant: str, adapter: str) -> Adapter:
    check_name(tenant, "tenant")
    check_name(adapter, "adapter")
    found_tenant = TenantRepository(session).get_scoped(principal, tenant)
    return AdapterRepository(session).get(found_tenant, adapter)


def adapter_out(adapter: Adapter, versions: int) -> AdapterOut:
    return AdapterOut(
        tenant=adapter.tenant.name,
        name=adapter.name,
        base_model=adapter.base_model.name,
        versions=versions,
        created_by=adapter.created_by,
        created_at=adapter.created_at,
    )


def version_out(adapter: Adapter, version: Version) -> VersionOut:
    return VersionOut.model_validate(
        {
            **{field: getattr(version, field) for field in VersionOut.model_fields if hasattr(version, field)},
            "name": version_name(adapter.tenant.name, adapter.name, version.number),
            "base_model": adapter.base_model.name,
        }
    )


class AdapterService:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.adapters = AdapterRepository(session)
        self.versions = VersionRepository(session)

    def list(self, principal: Principal, tenant: str | None) -> list[AdapterOut]:
        if tenant is not None:
            tenant_ids: list[int] | None = [TenantRepository(self.session).get_scoped(principal, tenant).id]
        elif principal.is_admin:
            tenant_ids = None
        else:
            tenant_ids = [principal.tenant_id] if principal.tenant_id is not None else []
        adapters = self.adapters.list(tenant_ids)
        counts = self.adapters.version_counts([a.id for a in adapters])
        return [adapter_out(a, counts.get(a.id, 0)) for a in adapters]

    def set_pinned(self, principal: Principal, adapter: Adapter, number: int, pinned: bool) -> Version:
        """Pinned versions stay loaded on their workers whatever the routes say."""
        version = self.versions.get(adapter, number)
        if version.pinned != pinned:
            version.pinned = pinned
            AuditRepository(self.session).record(
                principal,
                "version.pin" if pinned else "version.unpin",
                version_name(adapter.tenant.name, adapter.name, number),
                tenant_id=adapter.tenant_id,
            )
        return version

    def deprecate(self, principal: Principal, adapter: Adapter, number: int) -> Version:
        """Mark a version deprecated: it keeps serving where routed, but takes no new splits."""
        version = self.versions.get(adapter, number)
        if version.status == "deprecated":
            raise Conflict(f"{version_name(adapter.tenant.name, adapter.name, number)} is already deprecated")
        version.status = "deprecated"
        AuditRepository(self.session).record(
            principal,
            "version.deprecate",
            version_name(adapter.tenant.name, adapter.name, number),
            tenant_id=adapter.tenant_id,
        )
        return version
