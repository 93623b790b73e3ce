from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from control_plane.kit.names import NAME_PATTERN


class TenantCreate(BaseModel):
    name: str = Field(description="Tenant name: 1-63 of a-z, 0-9, '-'", examples=["acme"])
    display_name: str = Field(default="", max_length=200)


class TenantOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str = Field(pattern=f"^{NAME_PATTERN}$")
    display_name: str
    created_at: datetime


class KeyCreate(BaseModel):
    name: str = Field(default="", max_length=200, description="A label, e.g. who uses the key")


class KeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key_id: str
    name: str
    created_by: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class KeyCreated(KeyOut):
    key: str = Field(description="The API key. Shown once: it is stored only as a hash.")
