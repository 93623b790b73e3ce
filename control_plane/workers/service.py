"""Worker registration and heartbeats: the observed side of the fleet."""

from __future__ import annotations

from sqlalchemy.orm import Session

from control_plane.audit.repository import AuditRepository
from control_plane.base_models.service import BaseModelService
from control_plane.kit.auth import Principal
from control_plane.models import Worker, WorkerVersion
from control_plane.models.base import utcnow
from control_plane.workers.protocol import Heartbeat, RegisterRequest, RoutingTable, VersionCounters
from control_plane.workers.repository import WorkerRepository, WorkerVersionRepository

COUNTER_FIELDS = ("requests", "errors", "latency_seconds_sum", "prompt_tokens", "completion_tokens")


def add_counters(row: WorkerVersion, counters: VersionCounters) -> None:
    """Fold a worker's cumulative counts into the row's monotonic totals. A count lower than
    the last one means the worker restarted: the new count is all new traffic."""
    reported = dict(row.reported or {})
    for field in COUNTER_FIELDS:
        now = getattr(counters, field)
        last = reported.get(field, 0)
        delta = now - last if now >= last else now
        setattr(row, field, (getattr(row, field) or 0) + delta)
        reported[field] = now
    row.reported = reported


class WorkerService:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.workers = WorkerRepository(session)
        self.states = WorkerVersionRepository(session)

    def register(self, principal: Principal, request: RegisterRequest) -> Worker:
        """Register (or re-register after a restart) a worker; registers its base model if new."""
        principal.require_worker()
        base_model, _ = BaseModelService(self.session).register(principal, request.base_model, request.base_model_config)
        worker = self.workers.by_name(request.name)
        now = utcnow()
        fields = {
            "url": request.url,
            "base_model_id": base_model.id,
            "max_loras": request.capacity.max_loras,
            "max_cpu_loras": request.capacity.max_cpu_loras,
            "max_lora_rank": request.capacity.max_lora_rank,
            "engine_version": request.engine_version,
            "state": "live",
            "last_heartbeat_at": now,
            "table_etag": None,
            "table_synced_at": None,
        }
        if worker is None:
            worker = self.workers.add(Worker(name=request.name, registered_at=now, **fields))
            AuditRepository(self.session).record(principal, "worker.register", request.name, url=request.url, base_model=base_model.name)
        else:
            for key, value in fields.items():
                setattr(worker, key, value)
            worker.registered_at = now
            # A restarted engine holds nothing: forget what we believed it held and its errors.
            for row in self.states.for_worker(worker.id).values():
                row.state, row.last_error, row.permanent, row.attempts, row.next_attempt_at = "absent", None, False, 0, None
                row.reported = {}
        self.session.flush()
        return self.workers.get(worker.id)

    @staticmethod
    def note_table(worker: Worker, reported_etag: str | None, current: RoutingTable) -> None:
        """A worker reporting the current table's etag serves every revision ready until now."""
        if reported_etag is not None and reported_etag == current.etag:
            worker.table_synced_at = utcnow()

    def heartbeat(self, principal: Principal, worker_id: int, beat: Heartbeat) -> Worker:
        principal.require_worker()
        worker = self.workers.get(worker_id)
        worker.last_heartbeat_at = utcnow()
        worker.state = "live"
        worker.table_etag = beat.table_etag
        by_name = self.states.versions_by_name(worker.base_model_id)
        rows = self.states.for_worker(worker.id)
        loaded = {by_name[name].id for name in beat.loaded if name in by_name}
        for version_id in loaded:
            row = self.states.get_or_add(worker.id, version_id, rows)
            row.state, row.last_error, row.permanent = "loaded", None, False
        for version_id, row in rows.items():
            if row.state == "loaded" and version_id not in loaded:
                row.state = "absent"
        for counters in beat.counters:
            version = by_name.get(counters.version)
            if version is not None:
                add_counters(self.states.get_or_add(worker.id, version.id, rows), counters)
        return worker
