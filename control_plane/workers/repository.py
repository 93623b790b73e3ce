"""All SQL for workers and their per-version state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload

from control_plane.kit.errors import NotFound
from control_plane.adapters.repository import VersionRepository
from control_plane.kit.names import version_name
from control_plane.models import Version, Worker, WorkerVersion


class WorkerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_name(self, name: str) -> Worker | None:
        return self.session.scalar(select(Worker).where(Worker.name == name))

    def get(self, worker_id: int) -> Worker:
        worker = self.session.scalar(
            select(Worker).options(joinedload(Worker.base_model)).where(Worker.id == worker_id)
        )
        if worker is None:
            raise NotFound(f"worker {worker_id} is not registered; register again")
        return worker

    def list(self, base_model_id: int | None = None, live_only: bool = False) -> list[Worker]:
        query = select(Worker).options(joinedload(Worker.base_model)).order_by(Worker.name)
        if base_model_id is not None:
            query = query.where(Worker.base_model_id == base_model_id)
        if live_only:
            query = query.where(Worker.state == "live")
        return list(self.session.scalars(query))

    def add(self, worker: Worker) -> Worker:
        self.session.add(worker)
        self.session.flush()
        return worker

    def unsynced(self, base_model_id: int, since: datetime) -> list[str]:
        """Live workers of a base model not yet known to serve a routing table written at or
        after `since`: the workers a route revision that became ready then still waits for."""
        return list(
            self.session.scalars(
                select(Worker.name)
                .where(Worker.base_model_id == base_model_id, Worker.state == "live")
                .where((Worker.table_synced_at.is_(None)) | (Worker.table_synced_at < since))
                .order_by(Worker.name)
            )
        )

    def mark_lost(self, silent_since: datetime) -> list[str]:
        """Mark live workers whose last heartbeat is older than `silent_since` lost; their names."""
        lost = list(
            self.session.scalars(
                select(Worker.name).where(Worker.state == "live", Worker.last_heartbeat_at < silent_since)
            )
        )
        if lost:
            self.session.execute(update(Worker).where(Worker.name.in_(lost)).values(state="lost"))
        return lost


class WorkerVersionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def for_worker(self, worker_id: int) -> dict[int, WorkerVersion]:
        rows = self.session.scalars(select(WorkerVersion).where(WorkerVersion.worker_id == worker_id))
        return {row.version_id: row for row in rows}

    def for_versions(self, version_ids: list[int]) -> list[WorkerVersion]:
        return list(
            self.session.scalars(
                select(WorkerVersion)
                .options(joinedload(WorkerVersion.worker))
                .where(WorkerVersion.version_id.in_(version_ids))
            )
        )

    def get_or_add(self, worker_id: int, version_id: int, rows: dict[int, WorkerVersion]) -> WorkerVersion:
        """The row of (worker, version), added if missing. A heartbeat and a reconciler pass may
        add the same row at once: the second insert then does nothing and this reads the row
        the first one committed (instead of failing on the unique constraint)."""
        row = rows.get(version_id)
        if row is None:
            insert = postgresql.insert if self.session.get_bind().dialect.name == "postgresql" else sqlite.insert
            self.session.execute(
                insert(WorkerVersion)
                .values(worker_id=worker_id, version_id=version_id, state="absent", reported={})
                .on_conflict_do_nothing(index_elements=[WorkerVersion.worker_id, WorkerVersion.version_id])
            )
            row = self.session.scalars(
                select(WorkerVersion).where(WorkerVersion.worker_id == worker_id, WorkerVersion.version_id == version_id)
            ).one()
            rows[version_id] = row
        return row

    def versions_by_name(self, base_model_id: int) -> dict[str, Version]:
        """`tenant/adapter:vN` → version, for every version on a base model."""
        rows = VersionRepository(self.session).on_base_model(base_model_id)
        return {version_name(tenant, adapter, version.number): version for version, tenant, adapter in rows}
