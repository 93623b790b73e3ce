"""The level-triggered reconciler (after controller-runtime and Prefect's LoopService).

Each pass re-reads desired state (database) and observed state (each worker's engine), loads
what is missing, unloads what is extra, records per (worker, version) status, marks route
revisions ready, runs the rollout controller, and pushes changed routing tables. A nudge after
a commit only makes the next pass sooner; the periodic pass makes it correct.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from control_plane.kit.db import unit_of_work
from control_plane.models import RouteRevision, Worker
from control_plane.models.base import utcnow
from control_plane.reconciler.client import WorkerCallError, WorkerClient
from control_plane.reconciler.desired import BaseModelPlan, plan
from control_plane.reconciler.lease import Lease
from control_plane.settings import Settings
from control_plane.workers.protocol import FileDigest, LoadRequest, RoutingTable
from control_plane.workers.repository import WorkerRepository, WorkerVersionRepository
from control_plane.workers.table import build_routing_table

log = logging.getLogger("adapterplane.reconciler")


@dataclass
class WorkerTask:
    worker_id: int
    name: str
    url: str
    desired: dict[str, LoadRequest]  # version name → how to load it
    version_ids: dict[str, int]
    blocked: dict[str, str]  # version name → why not retried now
    names: dict[int, str]  # version id → name, for every version on the base model
    observed: set[str] = field(default_factory=set)
    reachable: bool = True
    results: dict[str, WorkerCallError | None] = field(default_factory=dict)
    unloaded: list[str] = field(default_factory=list)


@dataclass
class PassSummary:
    loaded: list[str] = field(default_factory=list)
    unloaded: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    ready: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    pushed: int = 0
    unplaced: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.loaded or self.unloaded or self.failed or self.ready or self.lost or self.pushed)


#: Runs inside the pass's recording transaction; returns True when it wrote something that
#: needs another pass (the rollout controller writing a revision).
AfterRecord = Callable[[Session, datetime], bool]


class Reconciler:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        settings: Settings,
        worker_token: str,
        lease: Lease,
        after_record: list[AfterRecord] | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.settings = settings
        self.client = WorkerClient(worker_token, settings.worker_request_timeout_s)
        self.lease = lease
        self.after_record = after_record or []
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.leader = False

    # --- running -------------------------------------------------------------------------

    def nudge(self) -> None:
        """Ask for a pass soon. Safe from any thread."""
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        try:
            while True:
                self._wake.clear()
                self.leader = await asyncio.to_thread(self.lease.held)
                if self.leader:
                    try:
                        summary = await self.run_once()
                        if summary:
                            log.info("reconciler pass: %s", summary)
                    except Exception:  # a bug in one pass must not stop the loop
                        log.exception("reconciler pass failed")
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=self.settings.reconcile_interval_s)
                except TimeoutError:
                    pass
        finally:
            await asyncio.to_thread(self.lease.release)
            await self.client.close()

    # --- one pass ------------------------------------------------------------------------

    async def run_once(self) -> PassSummary:
        summary = PassSummary()
        plans, tasks = await asyncio.to_thread(self._read, summary)
        await asyncio.gather(*(self._act(task) for task in tasks))
        pushes, again = await asyncio.to_thread(self._record, plans, tasks, summary)
        results = await asyncio.gather(*(self._push(url, table) for _, url, table in pushes))
        pushed = [(worker_id, table) for (worker_id, _, table), ok in zip(pushes, results) if ok]
        if pushed:
            await asyncio.to_thread(self._record_pushes, pushed)
        summary.pushed = len(pushed)
        for task in tasks:
            for name, error in task.results.items():
                (summary.failed if error else summary.loaded).append(f"{task.name}:{name}")
            summary.unloaded.extend(f"{task.name}:{name}" for name in task.unloaded)
        if again:
            self.nudge()
        return summary

    def _read(self, summary: PassSummary) -> tuple[list[BaseModelPlan], list[WorkerTask]]:
        now = utcnow()
        with unit_of_work(self.session_factory) as session:
            summary.lost = WorkerRepository(session).mark_lost(now - timedelta(seconds=self.settings.worker_timeout_s))
            plans = plan(session, self.settings)
            states = WorkerVersionRepository(session)
            tasks = []
            for base in plans:
                summary.unplaced.update(base.placement.unplaced)
                for worker in base.workers:
                    rows = states.for_worker(worker.id)
                    desired, ids, blocked = {}, {}, {}
                    for demand in base.placement.by_worker.get(worker.id, []):
                        version = base.versions[demand.version_id]
                        desired[demand.name] = LoadRequest(
                            version=demand.name,
                            artifact_uri=version.artifact_uri,
                            files=[FileDigest(**f) for f in version.files],
                            rank=version.rank,
                        )
                        ids[demand.name] = version.id
                        row = rows.get(version.id)
                        if row is not None and row.state != "loaded":
                            if row.permanent:
                                blocked[demand.name] = row.last_error or "refused"
                            elif row.next_attempt_at is not None and row.next_attempt_at > now:
                                blocked[demand.name] = "backing off"
                    tasks.append(WorkerTask(worker.id, worker.name, worker.url, desired, ids, blocked, base.names))
        return plans, tasks

    async def _act(self, task: WorkerTask) -> None:
        try:
            task.observed = set(await self.client.loaded(task.url))
        except WorkerCallError as exc:
            log.warning("worker %s unreachable: %s", task.name, exc.detail)
            task.reachable = False
            return
        for name, request in task.desired.items():
            if name in task.observed or name in task.blocked:
                continue
            try:
                await self.client.load(task.url, request)
            except WorkerCallError as exc:
                task.results[name] = exc
            else:
                task.results[name] = None
                task.observed.add(name)
        for name in sorted(task.observed - set(task.desired)):
            try:
                await self.client.unload(task.url, name)
            except WorkerCallError as exc:
                log.warning("unloading %s from %s failed: %s", name, task.name, exc.detail)
            else:
                task.unloaded.append(name)
                task.observed.discard(name)

    def _record(
        self, plans: list[BaseModelPlan], tasks: list[WorkerTask], summary: PassSummary
    ) -> tuple[list[tuple[int, str, RoutingTable]], bool]:
        now = utcnow()
        by_worker = {task.worker_id: task for task in tasks}
        again = False
        with unit_of_work(self.session_factory) as session:
            states = WorkerVersionRepository(session)
            for task in tasks:
                if task.reachable:
                    self._record_worker(states, task, now)
            for base in plans:
                summary.ready.extend(self._mark_ready(session, base, by_worker, now))
            for hook in self.after_record:
                again = hook(session, now) or again
            session.flush()
            pushes = []
            for base in plans:
                if not base.workers:
                    continue
                table = build_routing_table(session, base.base_model)
                for worker in base.workers:
                    task = by_worker.get(worker.id)
                    current = session.get(Worker, worker.id)
                    if task is not None and task.reachable and current is not None and current.table_etag != table.etag:
                        pushes.append((worker.id, worker.url, table))
        return pushes, again

    def _record_worker(self, states: WorkerVersionRepository, task: WorkerTask, now: datetime) -> None:
        rows = states.for_worker(task.worker_id)
        wanted = {task.version_ids[name]: name for name in task.desired}
        for version_id, name in wanted.items():
            row = states.get_or_add(task.worker_id, version_id, rows)
            error = task.results.get(name)
            if name in task.observed:
                row.state, row.last_error, row.permanent, row.attempts, row.next_attempt_at = "loaded", None, False, 0, None
            elif error is not None:
                row.state, row.last_error, row.permanent = "failed", error.detail[:2000], error.permanent
                row.attempts = (row.attempts or 0) + 1
                row.next_attempt_at = None if error.permanent else now + self._backoff(row.attempts)
            elif name not in task.blocked:
                row.state = "loading"
        for version_id, row in rows.items():
            if version_id not in wanted:
                # Not wanted here any more: forget errors so a later placement starts clean.
                row.state = "loaded" if task.names.get(version_id) in task.observed else "absent"
                row.last_error, row.permanent, row.attempts, row.next_attempt_at = None, False, 0, None

    @staticmethod
    def _mark_ready(
        session: Session, base: BaseModelPlan, by_worker: dict[int, WorkerTask], now: datetime
    ) -> list[str]:
        """Mark each route's pending revision ready once every worker placed to hold one of its
        versions reports it loaded (vacuously so with no live worker: a worker that joins
        loads its versions before the table it gets routes to them)."""
        ready = []
        for state in base.routes:
            pending = state.pending
            if pending is None:
                continue
            if all(_held_everywhere(base, by_worker, arm.version_id) for arm in pending.arms):
                revision = session.get(RouteRevision, pending.id)
                if revision is not None and revision.ready_at is None:
                    revision.ready_at = now
                    ready.append(f"{state.ref}#{pending.number}")
        return ready

    def _backoff(self, attempts: int) -> timedelta:
        capped = min(self.settings.retry_cap_s, self.settings.retry_base_s * 2 ** min(attempts, 20))
        return timedelta(seconds=capped * random.uniform(0.5, 1.0))

    async def _push(self, url: str, table: RoutingTable) -> bool:
        try:
            await self.client.push_table(url, table)
        except WorkerCallError as exc:
            log.warning("pushing the routing table to %s failed: %s", url, exc.detail)
            return False
        return True

    def _record_pushes(self, pushed: list[tuple[int, RoutingTable]]) -> None:
        """The worker acknowledged the table: it serves every revision ready when it was built."""
        with unit_of_work(self.session_factory) as session:
            for worker_id, table in pushed:
                worker = session.get(Worker, worker_id)
                if worker is not None:
                    worker.table_etag = table.etag
                    worker.table_synced_at = table.generated_at


def _held_everywhere(base: BaseModelPlan, by_worker: dict[int, WorkerTask], version_id: int) -> bool:
    if not base.workers:
        return True
    holders = base.placement.workers_of(version_id)
    name = base.names[version_id]
    return bool(holders) and all(
        w in by_worker and by_worker[w].reachable and name in by_worker[w].observed for w in holders
    )
