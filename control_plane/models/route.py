from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from control_plane.models.adapter import Adapter, Version
from control_plane.models.base import Base, utcnow


class Route(Base):
    """A named traffic split of an adapter; every change is a new RouteRevision."""

    __tablename__ = "routes"
    __table_args__ = (UniqueConstraint("adapter_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    adapter_id: Mapped[int] = mapped_column(ForeignKey("adapters.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(63))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    adapter: Mapped[Adapter] = relationship(lazy="raise")


class RouteRevision(Base):
    __tablename__ = "route_revisions"
    __table_args__ = (UniqueConstraint("route_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("routes.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    reason: Mapped[str] = mapped_column(String(2000), default="")
    #: The revision number this one restores, when it was written by a rollback.
    rollback_of: Mapped[int | None] = mapped_column(default=None)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set by the reconciler when every worker that must serve the revision has its versions
    #: loaded. Workers route by the newest ready revision; a newer one is pending until then.
    ready_at: Mapped[datetime | None] = mapped_column(default=None)

    arms: Mapped[list[RevisionArm]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="RevisionArm.version_number"
    )


class RevisionArm(Base):
    __tablename__ = "revision_arms"

    revision_id: Mapped[int] = mapped_column(
        ForeignKey("route_revisions.id", ondelete="CASCADE"), primary_key=True
    )
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), primary_key=True)
    #: Copied from the version so reads need no join; versions are immutable.
    version_number: Mapped[int]
    weight: Mapped[int]

    version: Mapped[Version] = relationship(lazy="raise")
