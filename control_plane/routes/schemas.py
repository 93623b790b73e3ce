from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class Arm(BaseModel):
    version: int
    name: str = Field(description="tenant/adapter:vN")
    weight: int


class RevisionOut(BaseModel):
    number: int
    arms: list[Arm]
    reason: str
    rollback_of: int | None
    ready_at: datetime | None
    created_by: str
    created_at: datetime


class RouteOut(BaseModel):
    id: int
    name: str
    adapter: str
    current: RevisionOut | None = Field(description="The newest revision")
    ready_revision: int | None = Field(description="The newest revision every worker can serve")
    ready: bool = Field(
        description="True when the newest revision is ready and every live worker serves a routing table "
        "that includes it (what --wait waits for)"
    )
    unsynced_workers: list[str] = Field(
        default_factory=list,
        description="Live workers that have loaded the ready revision's versions but not yet confirmed "
        "the routing table that routes to it",
    )


class SplitRequest(BaseModel):
    weights: dict[int, int] = Field(description="version number → weight; weights sum to 100", examples=[{"3": 90, "4": 10}])
    reason: str = Field(default="", max_length=2000)


class SplitResult(RouteOut):
    changed: bool = Field(description="false when the weights equal the current revision's")


class RollbackRequest(BaseModel):
    to_revision: int | None = Field(default=None, ge=1, description="default: the revision before the current one")
    reason: str = Field(default="", max_length=2000)
