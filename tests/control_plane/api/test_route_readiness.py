"""`ready` on a route (what `--wait` waits for) needs more than loaded versions: every live
worker must also have confirmed a routing table written after the revision became ready, or a
request sent right after `split set --wait` returns could still be routed by the old table."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from tests.control_plane.api.conftest import BASE_MODEL, SMOLLM2_CONFIG, publish
from tests.support.server import WORKER_TOKEN

WORKER = {"authorization": f"Bearer {WORKER_TOKEN}"}


def route_of(client: TestClient, ref: str) -> dict:
    response = client.get(f"/v1/adapters/{ref}/routes/default")
    assert response.status_code == 200, response.text
    return response.json()


def register(client: TestClient, name: str) -> int:
    body = {
        "name": name,
        # Nothing listens there: the reconciler's loads and table pushes to it fail.
        "url": "http://127.0.0.1:9",
        "base_model": BASE_MODEL,
        "base_model_config": SMOLLM2_CONFIG,
        "capacity": {"max_loras": 2, "max_cpu_loras": 4, "max_lora_rank": 16},
    }
    response = client.post("/v1/workers/register", json=body, headers=WORKER)
    assert response.status_code == 200, response.text
    return response.json()["worker_id"]


def heartbeat(client: TestClient, worker_id: int, loaded: list[str], table_etag: str | None) -> str:
    response = client.post(
        f"/v1/workers/{worker_id}/heartbeat", json={"loaded": loaded, "table_etag": table_etag}, headers=WORKER
    )
    assert response.status_code == 200, response.text
    return response.json()["table_etag"]


def wait_until(condition, what: str, timeout: float = 20):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_ready_revision_waits_for_every_live_worker_to_confirm_the_table(
    app_client: TestClient, tenant: str, tmp_path: Path, database_url: str
) -> None:
    ref = f"{tenant}/bot"
    publish(app_client, ref, tmp_path)
    # No worker serves the base model yet: the first revision is ready at once.
    wait_until(lambda: route_of(app_client, ref)["ready"], "the first revision to be ready")

    name = f"w-{uuid.uuid4().hex[:8]}"
    worker_id = register(app_client, name)
    route = route_of(app_client, ref)
    assert route["ready_revision"] == 1
    assert (route["ready"], route["unsynced_workers"]) == (False, [name])

    # A heartbeat with an old table does not count; one with the current table does.
    current = heartbeat(app_client, worker_id, [f"{ref}:v1"], "an-old-etag")
    assert route_of(app_client, ref)["unsynced_workers"] == [name]
    heartbeat(app_client, worker_id, [f"{ref}:v1"], current)
    route = route_of(app_client, ref)
    assert (route["ready"], route["unsynced_workers"]) == (True, [])

    # A lost worker does not hold readiness back.
    other = f"w-{uuid.uuid4().hex[:8]}"
    register(app_client, other)
    assert route_of(app_client, ref)["unsynced_workers"] == [other]
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE workers SET state = 'lost' WHERE name = :name"), {"name": other})
    finally:
        engine.dispose()
    route = route_of(app_client, ref)
    assert (route["ready"], route["unsynced_workers"]) == (True, [])
