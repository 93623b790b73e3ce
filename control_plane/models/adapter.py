from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from control_plane.models.base import Base, utcnow
from control_plane.models.base_model import BaseModel
from control_plane.models.tenant import Tenant


class Adapter(Base):
    """`tenant/adapter`: a named line of versions, all for one base model."""

    __tablename__ = "adapters"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(63))
    base_model_id: Mapped[int] = mapped_column(ForeignKey("base_models.id"), index=True)
    #: The number the next published version gets. Bumped in the transaction that inserts the
    #: version, under the row lock, so numbers are gap-free and never reused.
    next_version: Mapped[int] = mapped_column(default=1)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    tenant: Mapped[Tenant] = relationship(lazy="raise")
    base_model: Mapped[BaseModel] = relationship(lazy="raise")


class Version(Base):
    """An immutable, content-addressed adapter version `tenant/adapter:vN`."""

    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("adapter_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    adapter_id: Mapped[int] = mapped_column(ForeignKey("adapters.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    base_model_id: Mapped[int] = mapped_column(ForeignKey("base_models.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="active")
    #: Pinned versions stay loaded on their workers whatever the routes say.
    pinned: Mapped[bool] = mapped_column(default=False, server_default=false())
    artifact_uri: Mapped[str] = mapped_column(String(1000))
    artifact_digest: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(1000))
    #: [{"name", "sha256", "size"}] for every file of the artifact.
    files: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    rank: Mapped[int]
    alpha: Mapped[float]
    target_modules: Mapped[list[str]] = mapped_column(JSON)
    description: Mapped[str] = mapped_column(String(2000), default="")
    labels: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    adapter: Mapped[Adapter] = relationship(lazy="raise")
