from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests.control_plane.api.conftest import error_of, publish


def start(client: TestClient, ref: str, **body: object):
    return client.post(f"/v1/adapters/{ref}/routes/default/rollout", json={"interval_seconds": 3600, **body})


def newest_weights(client: TestClient, ref: str) -> dict[int, int]:
    current = client.get(f"/v1/adapters/{ref}/routes/default").json()["current"]
    return {a["version"]: a["weight"] for a in current["arms"]}


def test_abort_restores_the_split_the_rollout_started_from(app_client: TestClient, tenant: str, tmp_path: Path) -> None:
    ref = f"{tenant}/bot"
    for alpha in (1.0, 2.0, 3.0):
        publish(app_client, ref, tmp_path, alpha=alpha)
    app_client.post(f"/v1/adapters/{ref}/routes/default/revisions", json={"weights": {"1": 70, "2": 30}}).raise_for_status()
    started = start(app_client, ref, to_version=3, steps=[25, 100]).json()
    assert (started["baseline_version"], started["current_percent"]) == (1, 25)
    assert newest_weights(app_client, ref) == {1: 75, 3: 25}
    aborted = app_client.post(f"/v1/adapters/{ref}/routes/default/rollout/abort", json={"reason": "no"}).json()
    assert aborted["state"] == "aborted"
    assert newest_weights(app_client, ref) == {1: 70, 2: 30}


def test_rollout_input_errors(app_client: TestClient, tenant: str, tmp_path: Path) -> None:
    ref = f"{tenant}/bot"
    publish(app_client, ref, tmp_path)
    publish(app_client, ref, tmp_path, alpha=2.0)
    assert error_of(start(app_client, ref, to_version=2, steps=[10, 50]))[:2] == (400, "invalid_input")
    assert error_of(start(app_client, ref, to_version=2, steps=[50, 20, 100]))[0] == 400
    assert error_of(start(app_client, ref, to_version=9))[0] == 404
    assert error_of(start(app_client, ref, to_version=2, max_error_rate=2))[0] == 422
    assert error_of(start(app_client, ref, to_version=0))[0] == 422
    assert error_of(app_client.post(f"/v1/adapters/{ref}/routes/default/rollout/explode", json={}))[0] == 422
    assert len(app_client.get(f"/v1/adapters/{ref}/routes/default/revisions").json()) == 1
