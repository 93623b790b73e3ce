"""Business rules for tenants and API keys. Services flush, never commit."""

from __future__ import annotations

from sqlalchemy.orm import Session

from control_plane.audit.repository import AuditRepository
from control_plane.kit.auth import Principal, new_api_key
from control_plane.kit.errors import Conflict
from control_plane.kit.names import check_name
from control_plane.models import ApiKey, Tenant
from control_plane.models.base import utcnow
from control_plane.tenants.repository import ApiKeyRepository, TenantRepository


class TenantService:
    def __init__(self, session: Session) -> None:
        self.tenants = TenantRepository(session)
        self.keys = ApiKeyRepository(session)
        self.audit = AuditRepository(session)

    def create(self, principal: Principal, name: str, display_name: str) -> Tenant:
        principal.require_admin()
        check_name(name, "tenant")
        if self.tenants.by_name(name) is not None:
            raise Conflict(f"tenant {name!r} already exists")
        tenant = self.tenants.add(Tenant(name=name, display_name=display_name))
        self.audit.record(principal, "tenant.create", name, tenant_id=tenant.id)
        return tenant

    def create_key(self, principal: Principal, tenant_name: str, label: str) -> tuple[ApiKey, str]:
        tenant = self.tenants.get_scoped(principal, tenant_name)
        key_id, secret, key_hash = new_api_key()
        key = self.keys.add(
            ApiKey(key_id=key_id, tenant_id=tenant.id, name=label, key_hash=key_hash, created_by=principal.actor)
        )
        self.audit.record(principal, "key.create", f"{tenant.name}/key:{key_id}", tenant_id=tenant.id, name=label)
        return key, secret

    def revoke_key(self, principal: Principal, tenant_name: str, key_id: str) -> ApiKey:
        tenant = self.tenants.get_scoped(principal, tenant_name)
        key = self.keys.get_for_tenant(tenant.id, key_id)
        if key.revoked_at is not None:
            raise Conflict(f"key {key_id!r} is already revoked")
        key.revoked_at = utcnow()
        self.audit.record(principal, "key.revoke", f"{tenant.name}/key:{key_id}", tenant_id=tenant.id)
        return key
