from __future__ import annotations

from fastapi import APIRouter, Response, status

from control_plane.base_models.repository import BaseModelRepository
from control_plane.base_models.schemas import BaseModelCreate, BaseModelOut
from control_plane.base_models.service import BaseModelService
from control_plane.kit.deps import PrincipalDep, SessionDep

router = APIRouter(prefix="/v1/base-models", tags=["base-models"])


@router.post("", response_model=BaseModelOut, status_code=status.HTTP_201_CREATED)
def add_base_model(body: BaseModelCreate, principal: PrincipalDep, session: SessionDep, response: Response):
    """Register a base model from its config.json (admin only; idempotent)."""
    principal.require_admin()
    model, created = BaseModelService(session).register(principal, body.name, body.config)
    if not created:
        response.status_code = status.HTTP_200_OK
    return model


@router.get("", response_model=list[BaseModelOut])
def list_base_models(principal: PrincipalDep, session: SessionDep):
    """List base models."""
    return BaseModelRepository(session).list()


@router.get("/{name:path}", response_model=BaseModelOut)
def get_base_model(name: str, principal: PrincipalDep, session: SessionDep):
    """Show one base model and its architecture fingerprint."""
    return BaseModelRepository(session).get(name)
