"""A heartbeat and a reconciler pass adding the state row of the same (worker, version) at the
same moment. The fleet tests hit this on PostgreSQL (a worker reports a version loaded while the
pass that loaded it records it): the second insert failed on the unique constraint, a 500 on the
heartbeat or a failed pass. Now the second one waits for the first and uses its row. (SQLite
serialises writers from the start of each transaction, so only PostgreSQL can race here.)"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from control_plane.app import create_app
from control_plane.kit.db import make_engine, make_session_factory
from control_plane.kit.migrate import upgrade
from control_plane.models import Version
from control_plane.workers.repository import WorkerVersionRepository
from tests.control_plane.api.conftest import ADMIN_TOKEN, WORKER_TOKEN, make_settings
from tests.support.databases import postgres_database
from tests.support.peft_factory import SMOLLM2_135M, make_adapter

pytestmark = pytest.mark.postgres


def test_a_heartbeat_and_a_pass_adding_the_same_row_at_once_both_succeed(tmp_path: Path) -> None:
    with postgres_database() as url:
        upgrade(url)
        settings = make_settings(url, tmp_path, run_reconciler=False)
        worker_id = _a_worker_and_a_version(settings, tmp_path / "adapter")
        factory = make_session_factory(make_engine(url))
        with factory() as session:
            version_id = session.scalars(select(Version.id)).one()
        first, second = factory(), factory()
        try:
            row = WorkerVersionRepository(first).get_or_add(worker_id, version_id, {})
            first.flush()  # inserted, not committed: the other session's insert has to wait
            outcome: list[object] = []

            def add_it_too() -> None:
                try:
                    outcome.append(WorkerVersionRepository(second).get_or_add(worker_id, version_id, {}).id)
                    second.commit()
                except SQLAlchemyError as exc:
                    outcome.append(exc)

            racer = threading.Thread(target=add_it_too)
            racer.start()
            racer.join(1)
            assert racer.is_alive(), outcome
            first.commit()
            racer.join(30)
            assert outcome == [row.id]
        finally:
            first.close()
            second.close()


def _a_worker_and_a_version(settings, adapter_dir: Path) -> int:
    """Register a worker and publish a version through the API; the worker's id."""
    admin = {"authorization": f"Bearer {ADMIN_TOKEN}"}
    with TestClient(create_app(settings)) as client:
        registered = client.post(
            "/v1/workers/register",
            headers={"authorization": f"Bearer {WORKER_TOKEN}"},
            json={
                "name": "worker-1",
                "url": "http://127.0.0.1:9",
                "base_model": "smollm2",
                "base_model_config": SMOLLM2_135M.to_dict(),
                "capacity": {"max_loras": 1, "max_cpu_loras": 1, "max_lora_rank": 8},
            },
        )
        assert registered.status_code == 200, registered.text
        client.post("/v1/tenants", json={"name": "acme"}, headers=admin).raise_for_status()
        make_adapter(adapter_dir)
        published = client.post(
            "/v1/adapters/acme/bot/versions",
            headers=admin,
            data={"metadata": json.dumps({"base_model": "smollm2"})},
            files=[("files", (p.name, p.read_bytes())) for p in sorted(adapter_dir.iterdir())],
        )
        assert published.status_code == 201, published.text
    return registered.json()["worker_id"]
