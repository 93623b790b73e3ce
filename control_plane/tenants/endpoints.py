from __future__ import annotations

from fastapi import APIRouter, status

from control_plane.kit.deps import PrincipalDep, SessionDep
from control_plane.tenants.repository import ApiKeyRepository, TenantRepository
from control_plane.tenants.schemas import KeyCreate, KeyCreated, KeyOut, TenantCreate, TenantOut
from control_plane.tenants.service import TenantService

router = APIRouter(prefix="/v1/tenants", tags=["tenants"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TenantOut)
def create_tenant(body: TenantCreate, principal: PrincipalDep, session: SessionDep):
    """Create a tenant (admin only)."""
    return TenantService(session).create(principal, body.name, body.display_name)


@router.get("", response_model=list[TenantOut])
def list_tenants(principal: PrincipalDep, session: SessionDep):
    """List the tenants the caller can see."""
    return TenantRepository(session).list_visible(principal)


@router.get("/{tenant}", response_model=TenantOut)
def get_tenant(tenant: str, principal: PrincipalDep, session: SessionDep):
    """Show one tenant."""
    return TenantRepository(session).get_scoped(principal, tenant)


@router.post("/{tenant}/keys", status_code=status.HTTP_201_CREATED, response_model=KeyCreated)
def create_key(tenant: str, body: KeyCreate, principal: PrincipalDep, session: SessionDep):
    """Create an API key for a tenant; the key is in this response only."""
    key, secret = TenantService(session).create_key(principal, tenant, body.name)
    return KeyCreated(**KeyOut.model_validate(key).model_dump(), key=secret)


@router.get("/{tenant}/keys", response_model=list[KeyOut])
def list_keys(tenant: str, principal: PrincipalDep, session: SessionDep):
    """List a tenant's API keys (never the keys themselves)."""
    found = TenantRepository(session).get_scoped(principal, tenant)
    return ApiKeyRepository(session).list_for_tenant(found.id)


@router.delete("/{tenant}/keys/{key_id}", response_model=KeyOut)
def revoke_key(tenant: str, key_id: str, principal: PrincipalDep, session: SessionDep):
    """Revoke an API key; it stops working at once."""
    return TenantService(session).revoke_key(principal, tenant, key_id)
