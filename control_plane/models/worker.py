from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from control_plane.models.adapter import Version
from control_plane.models.base import Base, utcnow
from control_plane.models.base_model import BaseModel


class Worker(Base):
    """A vLLM worker serving one base model. Re-registering under the same name updates the row."""

    __tablename__ = "workers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    url: Mapped[str] = mapped_column(String(500))
    base_model_id: Mapped[int] = mapped_column(ForeignKey("base_models.id"), index=True)
    max_loras: Mapped[int]
    max_cpu_loras: Mapped[int]
    max_lora_rank: Mapped[int]
    engine_version: Mapped[str | None] = mapped_column(String(50), default=None)
    #: "live" while heartbeats arrive, "lost" after the timeout (no placements).
    state: Mapped[str] = mapped_column(String(20), default="live")
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_heartbeat_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The etag of the routing table the worker last reported serving.
    table_etag: Mapped[str | None] = mapped_column(String(64), default=None)
    #: When the worker was last known to serve the current table: the table's generation time
    #: for a push it acknowledged, the heartbeat's time when it reported the current etag.
    table_synced_at: Mapped[datetime | None] = mapped_column(default=None)

    base_model: Mapped[BaseModel] = relationship(lazy="raise")


class WorkerVersion(Base):
    """What one worker holds of one version: observed state, the last error, and the request
    counts the worker reported for it (cumulative since the worker process started)."""

    __tablename__ = "worker_versions"
    __table_args__ = (UniqueConstraint("worker_id", "version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"), index=True)
    #: "loaded" | "loading" | "failed" | "absent"
    state: Mapped[str] = mapped_column(String(20), default="absent")
    last_error: Mapped[str | None] = mapped_column(String(2000), default=None)
    #: A permanent error: not retried until the worker or the version's placement changes.
    permanent: Mapped[bool] = mapped_column(default=False)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    #: Monotonic totals across worker restarts (the worker's raw, resettable counts are in
    #: `reported`, so a restart's drop to zero is not mistaken for negative traffic).
    requests: Mapped[int] = mapped_column(BigInteger, default=0)
    errors: Mapped[int] = mapped_column(BigInteger, default=0)
    latency_seconds_sum: Mapped[float] = mapped_column(Float, default=0.0)
    prompt_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    completion_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    reported: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)

    worker: Mapped[Worker] = relationship(lazy="raise")
    version: Mapped[Version] = relationship(lazy="raise")
