from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class RolloutStart(BaseModel):
    to_version: int = Field(ge=1, description="The canary version number")
    steps: list[int] = Field(default=[10, 50, 100], description="Canary percentages, ending at 100")
    interval_seconds: float = Field(default=30.0, gt=0, le=7 * 24 * 3600)
    max_error_rate: float = Field(default=0.05, ge=0, le=1)
    max_latency_ratio: float = Field(default=2.0, gt=0)
    min_requests: int = Field(default=20, ge=0)


class RolloutAction(BaseModel):
    reason: str = Field(default="", max_length=2000)


class RolloutOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    route: str
    baseline_version: int
    canary_version: int
    steps: list[int]
    step_index: int
    current_percent: int
    interval_seconds: float
    max_error_rate: float
    max_latency_ratio: float
    min_requests: int
    state: str
    reason: str
    step_revision: int | None
    window_started_at: datetime | None
    created_by: str
    created_at: datetime
    updated_at: datetime
