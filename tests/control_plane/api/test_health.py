from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from control_plane.app import create_app
from control_plane.settings import SettingsError
from tests.control_plane.api.conftest import make_settings


def test_health_ready_and_metrics(app_client: TestClient) -> None:
    assert app_client.get("/healthz").json() == {"status": "ok"}
    assert app_client.get("/readyz").json() == {"status": "ready"}
    app_client.get("/v1/tenants")
    metrics = app_client.get("/metrics").text
    assert 'adapterplane_http_requests_total{method="GET",route="/v1/tenants",status="200"}' in metrics


def test_openapi_documents_every_route(app_client: TestClient) -> None:
    spec = app_client.get("/openapi.json").json()
    paths = spec["paths"]
    for path in (
        "/v1/tenants",
        "/v1/tenants/{tenant}/keys/{key_id}",
        "/v1/base-models",
        "/v1/adapters/{tenant}/{adapter}/versions",
        "/v1/adapters/{tenant}/{adapter}/versions/import",
        "/v1/adapters/{tenant}/{adapter}/routes/{route}/revisions",
        "/v1/adapters/{tenant}/{adapter}/routes/{route}/rollback",
        "/v1/audit",
    ):
        assert path in paths
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert operation.get("summary") and operation.get("description"), (method, path)


def test_unknown_route_is_a_json_404(app_client: TestClient) -> None:
    response = app_client.get("/v1/nothing-here")
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_readyz_reports_an_unusable_store(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    settings = make_settings(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path, store_url=(blocker / "store").as_uri())
    with TestClient(create_app(settings)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["error"] == "store_unavailable"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"admin_token": None}, "ADAPTERPLANE_ADMIN_TOKEN is not set"),
        ({"worker_token": None}, "ADAPTERPLANE_WORKER_TOKEN is not set"),
        ({"admin_token": "short"}, "at least 16"),
        ({"worker_token": "test-admin-token-0123456789"}, "must differ"),
    ],
)
def test_refuses_insecure_settings_outside_local_mode(tmp_path: Path, overrides: dict, message: str) -> None:
    settings = make_settings(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path, **overrides)
    with pytest.raises(SettingsError, match=message):
        create_app(settings)


def test_local_mode_generates_and_keeps_tokens(tmp_path: Path) -> None:
    settings = make_settings(
        f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path, admin_token=None, worker_token=None, local_mode=True
    )
    first = create_app(settings).state.admin_token
    assert (tmp_path / "admin-token").read_text().strip() == first
    assert (tmp_path / "admin-token").stat().st_mode & 0o077 == 0
    assert create_app(settings).state.admin_token == first
