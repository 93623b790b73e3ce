from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile, status
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from sqlalchemy.orm import Session

from control_plane.adapters.publishing import PublishRequest, PublishService
from control_plane.adapters.repository import AdapterRepository, VersionRepository
from control_plane.adapters.schemas import AdapterOut, ImportRequest, UploadMetadata, VersionOut
from control_plane.adapters.service import AdapterService, adapter_out, scoped_adapter, version_out
from control_plane.artifacts.sources import fetch_source
from control_plane.artifacts.store import ArtifactStore
from control_plane.kit.auth import Principal
from control_plane.kit.deps import PrincipalDep, SessionDep, SettingsDep, StoreDep
from control_plane.kit.errors import InvalidInput
from control_plane.kit.names import check_name

router = APIRouter(prefix="/v1/adapters", tags=["adapters"])
CHUNK = 1024 * 1024


@router.get("", response_model=list[AdapterOut])
def list_adapters(
    principal: PrincipalDep,
    session: SessionDep,
    tenant: Annotated[str | None, Query(description="Only this tenant's adapters")] = None,
):
    """List the adapters the caller can see."""
    return AdapterService(session).list(principal, tenant)


@router.get("/{tenant}/{adapter}", response_model=AdapterOut)
def show_adapter(tenant: str, adapter: str, principal: PrincipalDep, session: SessionDep):
    """Show one adapter."""
    found = scoped_adapter(session, principal, tenant, adapter)
    return adapter_out(found, AdapterRepository(session).version_counts([found.id]).get(found.id, 0))


@router.get("/{tenant}/{adapter}/versions", response_model=list[VersionOut])
def list_versions(tenant: str, adapter: str, principal: PrincipalDep, session: SessionDep):
    """List an adapter's versions, oldest first."""
    found = scoped_adapter(session, principal, tenant, adapter)
    return [version_out(found, v) for v in VersionRepository(session).list(found)]


@router.get("/{tenant}/{adapter}/versions/{number}", response_model=VersionOut)
def show_version(tenant: str, adapter: str, number: int, principal: PrincipalDep, session: SessionDep):
    """Show one version with its files and digests."""
    found = scoped_adapter(session, principal, tenant, adapter)
    return version_out(found, VersionRepository(session).get(found, number))


@router.post("/{tenant}/{adapter}/versions/{number}/deprecate", response_model=VersionOut)
def deprecate_version(tenant: str, adapter: str, number: int, principal: PrincipalDep, session: SessionDep):
    """Deprecate a version: no new splits may send traffic to it."""
    found = scoped_adapter(session, principal, tenant, adapter)
    return version_out(found, AdapterService(session).deprecate(principal, found, number))


@router.post("/{tenant}/{adapter}/versions/{number}/pin", response_model=VersionOut)
def pin_version(tenant: str, adapter: str, number: int, principal: PrincipalDep, session: SessionDep):
    """Pin a version: keep it loaded on its workers whatever the routes say."""
    found = scoped_adapter(session, principal, tenant, adapter)
    return version_out(found, AdapterService(session).set_pinned(principal, found, number, True))


@router.post("/{tenant}/{adapter}/versions/{number}/unpin", response_model=VersionOut)
def unpin_version(tenant: str, adapter: str, number: int, principal: PrincipalDep, session: SessionDep):
    """Unpin a version."""
    found = scoped_adapter(session, principal, tenant, adapter)
    return version_out(found, AdapterService(session).set_pinned(principal, found, number, False))


@router.post("/{tenant}/{adapter}/versions", response_model=VersionOut, status_code=status.HTTP_201_CREATED)
async def publish_upload(
    tenant: str,
    adapter: str,
    principal: PrincipalDep,
    session: SessionDep,
    store: StoreDep,
    settings: SettingsDep,
    metadata: Annotated[str, Form(description="JSON: base_model, description, labels, sha256")],
    files: Annotated[list[UploadFile], File(description="The adapter directory's files")],
):
    """Publish a new version from uploaded files (multipart)."""
    try:
        meta = UploadMetadata.model_validate_json(metadata)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the document"
        raise InvalidInput(f"invalid metadata: {where}: {first['msg']}") from exc
    request = PublishRequest(
        tenant=tenant,
        adapter=adapter,
        base_model=meta.base_model,
        source="upload",
        description=meta.description,
        labels=meta.labels,
        declared_sha256=meta.sha256,
    )
    # Refuse a wrong tenant, name or base model before copying the upload anywhere.
    await run_in_threadpool(PublishService(session, store, settings.max_lora_rank).check, principal, request)
    with tempfile.TemporaryDirectory(prefix="adapterplane-upload-") as tmp:
        await _save_uploads(files, Path(tmp), settings.max_upload_bytes)
        return await run_in_threadpool(_publish, session, store, settings.max_lora_rank, principal, request, Path(tmp))


@router.post("/{tenant}/{adapter}/versions/import", response_model=VersionOut, status_code=status.HTTP_201_CREATED)
def publish_import(
    tenant: str,
    adapter: str,
    body: ImportRequest,
    principal: PrincipalDep,
    session: SessionDep,
    store: StoreDep,
    settings: SettingsDep,
):
    """Publish a new version from s3://… or hf://org/repo@revision (pinned to the commit)."""
    check_name(tenant, "tenant")
    check_name(adapter, "adapter")
    service = PublishService(session, store, settings.max_lora_rank)
    request = PublishRequest(
        tenant=tenant, adapter=adapter, base_model=body.base_model, source=body.source,
        description=body.description, labels=body.labels,
    )
    service.check(principal, request)
    with tempfile.TemporaryDirectory(prefix="adapterplane-import-") as tmp:
        fetched = fetch_source(body.source, Path(tmp))
        pinned = replace(request, source=fetched.pinned_source)
        return _publish(session, store, settings.max_lora_rank, principal, pinned, fetched.path)


def _publish(
    session: Session,
    store: ArtifactStore,
    max_rank: int,
    principal: Principal,
    request: PublishRequest,
    directory: Path,
) -> VersionOut:
    service = PublishService(session, store, max_rank)
    _, base_model = service.check(principal, request)
    # End the read transaction before the slow part, so no lock is held during the upload.
    session.commit()
    summary, location = service.prepare(request, base_model, directory)
    adapter, version = service.record(principal, request, summary, location)
    return version_out(adapter, version)


async def _save_uploads(files: list[UploadFile], dest: Path, max_bytes: int) -> None:
    if not files:
        raise InvalidInput("no files uploaded")
    total = 0
    for upload in files:
        name = upload.filename or ""
        if not name or "/" in name or "\\" in name or name in (".", "..") or name.startswith("."):
            raise InvalidInput(f"invalid file name {name!r}: adapter files are flat names like adapter_config.json")
        target = dest / name
        if target.exists():
            raise InvalidInput(f"file {name!r} uploaded twice")
        with target.open("wb") as out:
            while chunk := await upload.read(CHUNK):
                total += len(chunk)
                if total > max_bytes:
                    raise InvalidInput(f"upload exceeds the limit of {max_bytes} bytes")
                out.write(chunk)
