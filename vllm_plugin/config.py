"""Worker settings, from the same `ADAPTERPLANE_*` variables the control plane uses.

Two modes:
- with `ADAPTERPLANE_CONTROL_PLANE_URL`: register, heartbeat, receive and poll the routing table;
- without it: serve from the routing-table file alone (`ADAPTERPLANE_ROUTING_TABLE_FILE`, which
  must then exist) — the same path a worker takes when the control plane is down.
"""

from __future__ import annotations

import os
import re
import socket
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from control_plane.settings import DEFAULT_DATA_DIR, MIN_TOKEN_LENGTH, local_token

#: Variables whose presence means "this vLLM process is an adapterplane worker".
MARKER_VARIABLES = (
    "ADAPTERPLANE_CONTROL_PLANE_URL",
    "ADAPTERPLANE_WORKER_TOKEN",
    "ADAPTERPLANE_ROUTING_TABLE_FILE",
)


#: Set by `adapterplane worker` for vLLM releases that do not keep their args on the app state.
LISTEN_PORT_VARIABLE = "ADAPTERPLANE_LISTEN_PORT"


class ConfigError(RuntimeError):
    """The worker is misconfigured; the message names the variable to fix."""


class WorkerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ADAPTERPLANE_", extra="ignore")

    control_plane_url: str | None = Field(default=None, description="Control plane base URL")
    worker_token: SecretStr | None = None
    local_mode: bool = False
    advertise_url: str | None = Field(default=None, description="URL the control plane calls back")
    worker_name: str | None = Field(default=None, description="Default: <hostname>-<port>")

    data_dir: Path = DEFAULT_DATA_DIR
    routing_table_file: Path | None = Field(default=None, description="Default: <worker dir>/routing-table.json")
    cache_dir: Path | None = Field(default=None, description="Default: <worker dir>/adapters")
    cache_max_bytes: int = Field(default=20 * 1024**3, ge=1)
    #: Stores artifacts may be fetched from (comma-separated); default: the control plane's default.
    store_url: str | None = None

    table_poll_seconds: float = Field(default=30.0, gt=0)
    control_plane_timeout_seconds: float = Field(default=10.0, gt=0)

    def token(self) -> str:
        if self.worker_token is not None:
            token = self.worker_token.get_secret_value()
            if len(token) < MIN_TOKEN_LENGTH:
                raise ConfigError(f"ADAPTERPLANE_WORKER_TOKEN must be at least {MIN_TOKEN_LENGTH} characters")
            return token
        if self.local_mode:
            return local_token(self.data_dir, "worker")
        raise ConfigError(
            "ADAPTERPLANE_WORKER_TOKEN is not set: the worker needs it to authenticate the control "
            "plane (set ADAPTERPLANE_LOCAL_MODE=true to share the local stack's generated token)"
        )

    def name_for(self, port: int) -> str:
        return self.worker_name or f"{socket.gethostname()}-{port}"

    def worker_dir(self, port: int) -> Path:
        """Per-worker state (table file, cache) so that workers sharing a data dir never collide."""
        return self.data_dir / "workers" / re.sub(r"[^A-Za-z0-9_.-]", "_", self.name_for(port))

    def table_file(self, port: int) -> Path:
        return self.routing_table_file or self.worker_dir(port) / "routing-table.json"

    def adapter_cache_dir(self, port: int) -> Path:
        return self.cache_dir or self.worker_dir(port) / "adapters"

    @cached_property
    def store_urls(self) -> list[str]:
        if self.store_url:
            return [url.strip().rstrip("/") for url in self.store_url.split(",") if url.strip()]
        return [(self.data_dir / "store").resolve().as_uri()]

    def check(self) -> None:
        """Raise ConfigError for settings that cannot work (no I/O)."""
        self.token()
        for name, url in (("CONTROL_PLANE_URL", self.control_plane_url), ("ADVERTISE_URL", self.advertise_url)):
            if url is not None and urlsplit(url).scheme not in ("http", "https"):
                raise ConfigError(f"ADAPTERPLANE_{name} must be an http(s) URL, got {url!r}")
        for url in self.store_urls:
            if not url.startswith(("file:///", "s3://")):
                raise ConfigError(f"ADAPTERPLANE_STORE_URL: unsupported store {url!r} (file:///dir or s3://bucket/prefix)")


def is_configured(environ: os._Environ | dict[str, str] = os.environ) -> bool:
    return any(environ.get(name) for name in MARKER_VARIABLES)


def load_settings() -> WorkerSettings:
    """Read and check the settings; raise ConfigError with a clear message if they are wrong."""
    try:
        settings = WorkerSettings()
    except ValidationError as exc:
        problems = "; ".join(
            f"ADAPTERPLANE_{'_'.join(str(part) for part in error['loc']).upper()}: {error['msg']}"
            for error in exc.errors()
        )
        raise ConfigError(f"invalid adapterplane worker settings: {problems}") from None
    settings.check()
    return settings
