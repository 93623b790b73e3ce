"""The wire contract between the control plane and the vLLM workers (the plugin imports this).

Control plane → worker (worker token):  PUT  /adapterplane/routing-table   RoutingTable
                                        POST /adapterplane/load            LoadRequest
                                        POST /adapterplane/unload          UnloadRequest
                                        GET  /adapterplane/loaded          LoadedReport
Worker → control plane (worker token):  POST /v1/workers/register          RegisterRequest
                                        POST /v1/workers/{id}/heartbeat    Heartbeat
                                        GET  /v1/workers/routing-table?base_model=N  RoutingTable
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

ADMIN_PREFIX = "/adapterplane"
WORKER_TOKEN_HEADER = "authorization"  # "Bearer <worker token>"


class FileDigest(BaseModel):
    name: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)


class TableVersion(BaseModel):
    number: int
    artifact_uri: str
    files: list[FileDigest]
    rank: int
    status: str


class TableRoute(BaseModel):
    route_id: int
    name: str
    revision: int
    weights: dict[int, int]


class TableAdapter(BaseModel):
    tenant: str
    name: str
    routes: dict[str, TableRoute]
    versions: dict[int, TableVersion]


class TableTenant(BaseModel):
    name: str
    #: key id → sha256 hex of the key; keys look like `ap_<key id>_<secret>`.
    keys: dict[str, str]


class RoutingTable(BaseModel):
    etag: str
    base_model: str
    generated_at: datetime
    tenants: dict[str, TableTenant]
    #: keyed by "tenant/adapter"
    adapters: dict[str, TableAdapter]


class Capacity(BaseModel):
    max_loras: int = Field(ge=1)
    max_cpu_loras: int = Field(ge=1)
    max_lora_rank: int = Field(ge=1)


class RegisterRequest(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    url: str = Field(min_length=1, max_length=500)
    base_model: str
    base_model_config: dict
    capacity: Capacity
    engine_version: str | None = None


class RegisterResponse(BaseModel):
    worker_id: int
    heartbeat_interval_s: float
    routing_table: RoutingTable


class VersionCounters(BaseModel):
    """Cumulative counts since the worker started, for one served version name."""

    version: str
    requests: int = 0
    errors: int = 0
    latency_seconds_sum: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0


class Heartbeat(BaseModel):
    loaded: list[str]
    counters: list[VersionCounters] = []
    table_etag: str | None = None
    started_at: datetime | None = None


class HeartbeatResponse(BaseModel):
    table_etag: str


class LoadRequest(BaseModel):
    version: str
    artifact_uri: str
    files: list[FileDigest]
    rank: int


class UnloadRequest(BaseModel):
    version: str


class LoadedReport(BaseModel):
    loaded: list[str]
