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
    ready: bool = Field(description="True when the newest revision is ready (what --wait waits for)")


class SplitRequest(BaseModel):
    weights: dict[int, int] = Field(description="version number → weight; weights sum to 100", examples=[{"3": 90, "4": 10}])
    reason: str = Field(default="", max_length=2000)


class SplitResult(RouteOut):
    changed: bool = Field(description="false when the weights equal the current revision's")


class RollbackRequest(BaseModel):
    to_revision: int | None = Field(default=None, ge=1, description="default: the revision before the current one")
    reason: str = Field(default="", max_length=2000)
