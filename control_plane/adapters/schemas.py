from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from control_plane.workers.protocol import FileDigest


class AdapterOut(BaseModel):
    tenant: str
    name: str
    base_model: str
    versions: int
    created_by: str
    created_at: datetime


class VersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str = Field(description="tenant/adapter:vN, the name vLLM serves it under")
    number: int
    status: str
    pinned: bool
    base_model: str
    artifact_uri: str
    artifact_digest: str
    source: str
    files: list[FileDigest]
    size_bytes: int
    rank: int
    alpha: float
    target_modules: list[str]
    description: str
    labels: dict[str, str]
    created_by: str
    created_at: datetime


class ImportRequest(BaseModel):
    source: str = Field(description="s3://bucket/prefix or hf://org/repo@revision", examples=["hf://acme/bot@main"])
    base_model: str
    description: str = Field(default="", max_length=2000)
    labels: dict[str, str] = {}


class UploadMetadata(BaseModel):
    """The `metadata` part of a multipart publish."""

    base_model: str
    description: str = Field(default="", max_length=2000)
    labels: dict[str, str] = {}
    sha256: dict[str, str] | None = Field(default=None, description="file name → sha256 computed by the client")
