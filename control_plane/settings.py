"""Control-plane settings, from `ADAPTERPLANE_*` environment variables.

Secrets have no usable default: outside local mode (`ADAPTERPLANE_LOCAL_MODE=true`) the service
refuses to start without an admin and a worker token. In local mode missing tokens are generated
once and kept in files under the data dir, so the local stack works with no set-up.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

MIN_TOKEN_LENGTH = 16
DEFAULT_DATA_DIR = Path.home() / ".adapterplane"


class SettingsError(RuntimeError):
    """The settings cannot be used; the message names the variable to fix."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ADAPTERPLANE_", extra="ignore")

    # Storage
    data_dir: Path = Field(default=DEFAULT_DATA_DIR, description="Local state: SQLite file, file store")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default SQLite in data_dir")
    store_url: str | None = Field(default=None, description="file:///dir or s3://bucket/prefix")

    # Security
    local_mode: bool = Field(default=False, description="Allow generated secrets (laptop use only)")
    admin_token: SecretStr | None = None
    worker_token: SecretStr | None = None

    # Publishing rules
    max_lora_rank: int = Field(default=64, ge=1, le=512)
    max_upload_bytes: int = Field(default=4 * 1024**3, ge=1)

    # Fleet control
    run_reconciler: bool = Field(default=True, description="Take part in the reconciler lease")
    heartbeat_interval_s: float = Field(default=5.0, gt=0, description="How often workers report")
    worker_timeout_s: float = Field(default=30.0, gt=0, description="Missed-heartbeat time before 'lost'")
    reconcile_interval_s: float = Field(default=5.0, gt=0, description="Periodic reconciler pass")
    warm_revisions: int = Field(default=1, ge=0, description="Earlier revisions kept loaded for rollback")
    replicas_per_version: int = Field(default=0, ge=0, description="Workers per version; 0 = all")
    retry_base_s: float = Field(default=1.0, gt=0)
    retry_cap_s: float = Field(default=60.0, gt=0)
    worker_request_timeout_s: float = Field(default=120.0, gt=0, description="Load calls may be slow")

    log_level: str = "info"

    def resolved_database_url(self) -> str:
        if self.database_url:
            return normalize_database_url(self.database_url)
        return f"sqlite:///{self.data_dir / 'adapterplane.db'}"

    def resolved_store_url(self) -> str:
        return self.store_url or (self.data_dir / "store").resolve().as_uri()

    def token(self, name: str) -> str:
        """The admin or worker token; in local mode generate and persist one if unset."""
        value: SecretStr | None = getattr(self, f"{name}_token")
        if value is not None:
            token = value.get_secret_value()
            if len(token) < MIN_TOKEN_LENGTH:
                raise SettingsError(
                    f"ADAPTERPLANE_{name.upper()}_TOKEN must be at least {MIN_TOKEN_LENGTH} characters"
                )
            return token
        if not self.local_mode:
            raise SettingsError(
                f"ADAPTERPLANE_{name.upper()}_TOKEN is not set; set it, or set "
                "ADAPTERPLANE_LOCAL_MODE=true to generate one (local use only)"
            )
        return local_token(self.data_dir, name)


def local_token(data_dir: Path, name: str) -> str:
    """Read `<data_dir>/<name>-token`, creating it (mode 0600) on first use."""
    path = data_dir / f"{name}-token"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    path.touch(mode=0o600)
    path.write_text(token + "\n")
    return token


def normalize_database_url(url: str) -> str:
    """Use psycopg 3 for plain `postgresql://` URLs (what operators usually paste)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@lru_cache
def get_settings() -> Settings:
    return Settings()
