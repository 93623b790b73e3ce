from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from control_plane.kit.errors import NotFound
from control_plane.models import BaseModel


class BaseModelRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_name(self, name: str) -> BaseModel | None:
        return self.session.scalar(select(BaseModel).where(BaseModel.name == name))

    def get(self, name: str) -> BaseModel:
        found = self.by_name(name)
        if found is None:
            raise NotFound(
                f"base model {name!r} is not registered; add it with "
                "'adapterctl base-models add NAME --config config.json' or start a worker serving it"
            )
        return found

    def list(self) -> list[BaseModel]:
        return list(self.session.scalars(select(BaseModel).order_by(BaseModel.name)))

    def add(self, model: BaseModel) -> BaseModel:
        self.session.add(model)
        self.session.flush()
        return model
