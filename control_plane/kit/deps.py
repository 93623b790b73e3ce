"""`Annotated` dependency aliases that keep endpoint signatures short."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from control_plane.artifacts.store import ArtifactStore
from control_plane.kit.auth import ADMIN, WORKER, Principal, bearer_token, tokens_equal
from control_plane.kit.errors import Unauthorized
from control_plane.reconciler.notify import notify_change
from control_plane.settings import Settings
from control_plane.tenants.repository import ApiKeyRepository


def get_session(request: Request) -> Iterator[Session]:
    """One unit of work per request, committed before the response is sent (scope=function).
    A commit that wrote anything nudges the reconciler, so changes reach workers promptly."""
    session: Session = request.app.state.session_factory()
    try:
        yield session
        session.flush()
        wrote = session.info.pop("wrote", False)
        if wrote:
            notify_change(session)
        session.commit()
        if wrote:
            request.app.state.nudge()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def get_store(request: Request) -> ArtifactStore:
    return request.app.state.store


StoreDep = Annotated[ArtifactStore, Depends(get_store)]


def get_principal(request: Request, session: SessionDep) -> Principal:
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        raise Unauthorized("missing credentials: send 'Authorization: Bearer <token>'")
    state = request.app.state
    if tokens_equal(token, state.admin_token):
        return ADMIN
    if tokens_equal(token, state.worker_token):
        return WORKER
    key = ApiKeyRepository(session).authenticate(token)
    if key is None:
        raise Unauthorized("invalid, revoked or unknown API key")
    return Principal(kind="tenant", tenant_id=key.tenant_id, tenant_name=key.tenant.name, key_id=key.key_id)


PrincipalDep = Annotated[Principal, Depends(get_principal)]
