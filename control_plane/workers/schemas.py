from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class WorkerOut(BaseModel):
    id: int
    name: str
    url: str
    base_model: str
    state: str
    max_loras: int
    max_cpu_loras: int
    max_lora_rank: int
    loaded: int
    engine_version: str | None
    registered_at: datetime
    last_heartbeat_at: datetime
