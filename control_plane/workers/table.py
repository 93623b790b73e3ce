"""The routing table a worker serves from: tenants' key hashes, and for every adapter on the
worker's base model its routes (newest *ready* revision) and versions."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from control_plane.adapters.repository import VersionRepository
from control_plane.models import BaseModel, Tenant
from control_plane.models.base import utcnow
from control_plane.routes.repository import ready_revisions
from control_plane.tenants.repository import ApiKeyRepository
from control_plane.workers.protocol import FileDigest, RoutingTable, TableAdapter, TableRoute, TableTenant, TableVersion


def build_routing_table(session: Session, base_model: BaseModel) -> RoutingTable:
    tenants: dict[str, TableTenant] = {}
    for tenant, key_id, key_hash in ApiKeyRepository(session).active_hashes():
        tenants.setdefault(tenant, TableTenant(name=tenant, keys={})).keys[key_id] = key_hash
    for (name,) in session.execute(select(Tenant.name)):
        tenants.setdefault(name, TableTenant(name=name, keys={}))

    adapters: dict[str, TableAdapter] = {}
    for version, tenant, adapter in VersionRepository(session).on_base_model(base_model.id):
        entry = adapters.setdefault(
            f"{tenant}/{adapter}", TableAdapter(tenant=tenant, name=adapter, routes={}, versions={})
        )
        entry.versions[version.number] = TableVersion(
            number=version.number,
            artifact_uri=version.artifact_uri,
            files=[FileDigest(**f) for f in version.files],
            rank=version.rank,
            status=version.status,
        )
    for tenant, adapter, route, revision in ready_revisions(session, base_model.id):
        adapters[f"{tenant}/{adapter}"].routes[route.name] = TableRoute(
            route_id=route.id,
            name=route.name,
            revision=revision.number,
            weights={arm.version_number: arm.weight for arm in revision.arms},
        )
    content = {
        "base_model": base_model.name,
        "tenants": {k: v.model_dump(mode="json") for k, v in sorted(tenants.items())},
        "adapters": {k: v.model_dump(mode="json") for k, v in sorted(adapters.items())},
    }
    etag = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
    return RoutingTable(
        etag=etag, base_model=base_model.name, generated_at=utcnow(), tenants=tenants, adapters=adapters
    )
