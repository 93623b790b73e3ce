from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from control_plane.audit.repository import AuditRepository
from control_plane.base_models.fingerprint import Fingerprint
from control_plane.base_models.repository import BaseModelRepository
from control_plane.kit.auth import Principal
from control_plane.kit.errors import Conflict, InvalidInput
from control_plane.models import BaseModel

MAX_BASE_MODEL_NAME = 200


def check_base_model_name(name: str) -> str:
    if not name or len(name) > MAX_BASE_MODEL_NAME or any(c.isspace() for c in name) or ".." in name:
        raise InvalidInput(
            f"invalid base model name {name!r}: 1-{MAX_BASE_MODEL_NAME} characters, no spaces or '..'"
        )
    return name


class BaseModelService:
    def __init__(self, session: Session) -> None:
        self.repository = BaseModelRepository(session)
        self.audit = AuditRepository(session)

    def register(self, principal: Principal, name: str, config: dict[str, Any]) -> tuple[BaseModel, bool]:
        """Register `name` with the fingerprint of `config`; (model, created).

        Registering the same name with the same fingerprint again is a no-op (workers do it at
        every start); with another fingerprint it is a conflict: adapters published for one
        architecture must never be served on another.
        """
        check_base_model_name(name)
        fingerprint = Fingerprint.from_config(config)
        existing = self.repository.by_name(name)
        if existing is not None:
            if existing.fingerprint != fingerprint:
                raise Conflict(
                    f"base model {name!r} is registered with another architecture "
                    f"({existing.fingerprint.to_dict()} vs {fingerprint.to_dict()})"
                )
            return existing, False
        model = self.repository.add(BaseModel(name=name, **fingerprint.to_dict()))
        self.audit.record(principal, "base_model.create", name, **fingerprint.to_dict())
        return model, True
