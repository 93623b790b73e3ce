"""All SQL for tenants and API keys. Tenant scoping happens here, in `get_scoped`."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from control_plane.kit.auth import Principal, hash_key, parse_key_id, tokens_equal
from control_plane.kit.errors import Forbidden, NotFound
from control_plane.models import ApiKey, Tenant
from control_plane.models.base import utcnow

#: last_used_at is a hint for operators, not a log: write it at most this often per key.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TenantRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_name(self, name: str) -> Tenant | None:
        return self.session.scalar(select(Tenant).where(Tenant.name == name))

    def get_scoped(self, principal: Principal, name: str) -> Tenant:
        """The tenant `name` if `principal` may act on it: the one place tenant scoping lives."""
        if not principal.is_admin and principal.tenant_name != name:
            raise Forbidden(f"this key belongs to tenant {principal.tenant_name!r}, not {name!r}")
        tenant = self.by_name(name)
        if tenant is None:
            raise NotFound(f"tenant {name!r} does not exist")
        return tenant

    def list_visible(self, principal: Principal) -> list[Tenant]:
        query = select(Tenant).order_by(Tenant.name)
        if not principal.is_admin:
            query = query.where(Tenant.id == principal.tenant_id)
        return list(self.session.scalars(query))

    def add(self, tenant: Tenant) -> Tenant:
        self.session.add(tenant)
        self.session.flush()
        return tenant


class ApiKeyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def authenticate(self, token: str) -> ApiKey | None:
        """The active key `token` is, or None. Compares hashes in constant time."""
        key_id = parse_key_id(token)
        if key_id is None:
            return None
        key = self.session.scalar(
            select(ApiKey).options(joinedload(ApiKey.tenant)).where(ApiKey.key_id == key_id)
        )
        if key is None or key.revoked_at is not None or not tokens_equal(hash_key(token), key.key_hash):
            return None
        now = utcnow()
        if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
            key.last_used_at = now
        return key

    def list_for_tenant(self, tenant_id: int) -> list[ApiKey]:
        return list(
            self.session.scalars(select(ApiKey).where(ApiKey.tenant_id == tenant_id).order_by(ApiKey.id))
        )

    def get_for_tenant(self, tenant_id: int, key_id: str) -> ApiKey:
        key = self.session.scalar(
            select(ApiKey).where(ApiKey.tenant_id == tenant_id, ApiKey.key_id == key_id)
        )
        if key is None:
            raise NotFound(f"key {key_id!r} does not exist for this tenant")
        return key

    def active_hashes(self) -> list[tuple[str, str, str]]:
        """(tenant name, key id, key hash) of every active key, for workers' routing tables."""
        rows = self.session.execute(
            select(Tenant.name, ApiKey.key_id, ApiKey.key_hash)
            .join(Tenant, Tenant.id == ApiKey.tenant_id)
            .where(ApiKey.revoked_at.is_(None))
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]

    def add(self, key: ApiKey) -> ApiKey:
        self.session.add(key)
        self.session.flush()
        return key
