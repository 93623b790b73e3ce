"""Publishing: validate an adapter directory, store it content-addressed, record version N.

Heavy work (validation, digests, upload) happens outside any transaction; the version row,
its number and the audit event are written in one short transaction at the end, so a failed
publish leaves no record (and at most an unreferenced, content-addressed blob in the store).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from control_plane.adapters.repository import AdapterRepository, VersionRepository
from control_plane.adapters.validation import AdapterSummary, validate_adapter_dir
from control_plane.artifacts.store import ArtifactStore, version_prefix
from control_plane.audit.repository import AuditRepository
from control_plane.base_models.repository import BaseModelRepository
from control_plane.kit.auth import Principal
from control_plane.kit.errors import Conflict, InvalidInput
from control_plane.kit.names import DEFAULT_ROUTE, check_name
from control_plane.models import Adapter, BaseModel, Tenant, Version
from control_plane.routes.service import RouteService
from control_plane.tenants.repository import TenantRepository

MAX_LABELS = 32


@dataclass(frozen=True)
class PublishRequest:
    tenant: str
    adapter: str
    base_model: str
    source: str
    description: str = ""
    labels: dict[str, str] | None = None
    #: Digests the client computed before uploading; verified against what arrived.
    declared_sha256: dict[str, str] | None = None


def check_labels(labels: dict[str, str]) -> None:
    if len(labels) > MAX_LABELS:
        raise InvalidInput(f"at most {MAX_LABELS} labels")
    for key, value in labels.items():
        if not key or len(key) > 63 or len(value) > 200:
            raise InvalidInput(f"invalid label {key!r}: keys 1-63 characters, values up to 200")


class PublishService:
    def __init__(self, session: Session, store: ArtifactStore, max_rank: int) -> None:
        self.session = session
        self.store = store
        self.max_rank = max_rank

    def check(self, principal: Principal, request: PublishRequest) -> tuple[Tenant, BaseModel]:
        """Cheap checks before any upload: names, tenant scope, base model, adapter's base model."""
        check_name(request.tenant, "tenant")
        check_name(request.adapter, "adapter")
        check_labels(request.labels or {})
        tenant = TenantRepository(self.session).get_scoped(principal, request.tenant)
        base_model = BaseModelRepository(self.session).get(request.base_model)
        adapter = AdapterRepository(self.session).find(tenant, request.adapter)
        if adapter is not None and adapter.base_model_id != base_model.id:
            raise Conflict(
                f"{tenant.name}/{adapter.name} is an adapter for base model "
                f"{adapter.base_model.name!r}, not {base_model.name!r}; publish under another name"
            )
        return tenant, base_model

    def prepare(self, request: PublishRequest, base_model: BaseModel, directory: Path) -> tuple[AdapterSummary, str]:
        """Validate and upload (no transaction open); (summary, artifact location)."""
        summary = validate_adapter_dir(directory, base_model.fingerprint, self.max_rank)
        if request.declared_sha256 is not None:
            received = {f.name: f.sha256 for f in summary.files}
            if received != request.declared_sha256:
                bad = sorted(
                    set(received.items()) ^ set(request.declared_sha256.items()), key=lambda item: item[0]
                )
                raise InvalidInput(
                    f"uploaded files do not match the digests the client sent (first: {bad[0][0]}); "
                    "the upload was corrupted, publish again"
                )
        prefix = version_prefix(request.tenant, request.adapter, summary.artifact_digest)
        for file in summary.files:
            self.store.put_file(f"{prefix}/{file.name}", directory / file.name)
        return summary, self.store.location(prefix)

    def record(
        self,
        principal: Principal,
        request: PublishRequest,
        summary: AdapterSummary,
        artifact_uri: str,
    ) -> tuple[Adapter, Version]:
        """Insert the version (and the adapter and its default route on first publish)."""
        tenant, base_model = self.check(principal, request)
        adapters = AdapterRepository(self.session)
        adapter, created = adapters.get_or_create(tenant, request.adapter, base_model.id, principal.actor)
        audit = AuditRepository(self.session)
        if created:
            audit.record(principal, "adapter.create", f"{tenant.name}/{adapter.name}", tenant_id=tenant.id)
        version = VersionRepository(self.session).add(
            Version(
                adapter_id=adapter.id,
                number=adapters.take_version_number(adapter),
                base_model_id=base_model.id,
                artifact_uri=artifact_uri,
                artifact_digest=summary.artifact_digest,
                source=request.source,
                files=[f.model_dump() for f in summary.files],
                size_bytes=sum(f.size for f in summary.files),
                rank=summary.rank,
                alpha=summary.alpha,
                target_modules=summary.target_modules,
                description=request.description,
                labels=request.labels or {},
                created_by=principal.actor,
            )
        )
        name = f"{tenant.name}/{adapter.name}:v{version.number}"
        audit.record(
            principal,
            "version.publish",
            name,
            tenant_id=tenant.id,
            source=request.source,
            artifact_digest=summary.artifact_digest,
            rank=summary.rank,
        )
        routes = RouteService(self.session)
        default = routes.ensure_route(adapter, DEFAULT_ROUTE)
        if routes.routes.latest_revision(default) is None:
            routes.set_split(principal, adapter, DEFAULT_ROUTE, {version.number: 100}, reason="first version")
        return adapter, version
