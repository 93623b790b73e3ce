"""The real app on a real database (SQLite and PostgreSQL), driven through Starlette's client."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from control_plane.app import create_app
from control_plane.kit.migrate import upgrade
from control_plane.settings import Settings
from tests.support.databases import database
from tests.support.peft_factory import SMOLLM2_135M, make_adapter
from tests.support.server import ADMIN_TOKEN, WORKER_TOKEN

BASE_MODEL = "smollm2-135m"
SMOLLM2_CONFIG = {
    "architectures": ["LlamaForCausalLM"],
    **{k: v for k, v in SMOLLM2_135M.to_dict().items()},
    "max_position_embeddings": 8192,
}


def make_settings(database_url: str, data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "data_dir": data_dir,
        "store_url": (data_dir / "store").as_uri(),
        "admin_token": ADMIN_TOKEN,
        "worker_token": WORKER_TOKEN,
    }
    return Settings(**{**values, **overrides})


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], scope="module")
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with database(request.param, tmp_path_factory.mktemp("db")) as url:
        upgrade(url)
        yield url


@pytest.fixture(scope="module")
def app_client(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = make_settings(database_url, tmp_path_factory.mktemp("data"))
    with TestClient(create_app(settings), headers={"authorization": f"Bearer {ADMIN_TOKEN}"}) as client:
        client.post("/v1/base-models", json={"name": BASE_MODEL, "config": SMOLLM2_CONFIG}).raise_for_status()
        yield client


@pytest.fixture
def tenant(app_client: TestClient) -> str:
    """A fresh tenant per test keeps module-scoped databases independent between tests."""
    name = f"t-{uuid.uuid4().hex[:10]}"
    app_client.post("/v1/tenants", json={"name": name}).raise_for_status()
    return name


def tenant_key(client: TestClient, tenant: str) -> str:
    response = client.post(f"/v1/tenants/{tenant}/keys", json={"name": "test"})
    response.raise_for_status()
    return response.json()["key"]


def as_key(key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}"}


def upload(
    client: TestClient,
    ref: str,
    directory: Path,
    base_model: str = BASE_MODEL,
    headers: dict[str, str] | None = None,
    **metadata: object,
) -> httpx.Response:
    files = [("files", (p.name, p.read_bytes())) for p in sorted(directory.iterdir()) if p.is_file()]
    return client.post(
        f"/v1/adapters/{ref}/versions",
        data={"metadata": json.dumps({"base_model": base_model, **metadata})},
        files=files,
        headers=headers,
    )


def publish(client: TestClient, ref: str, tmp_path: Path, alpha: float = 8.0, **metadata: object) -> dict:
    """Publish a valid synthetic adapter; `alpha` varies its content (and so its digest)."""
    directory = make_adapter(tmp_path / f"adapter-{uuid.uuid4().hex[:6]}", alpha=alpha)
    response = upload(client, ref, directory, **metadata)
    assert response.status_code == 201, response.text
    return response.json()


def error_of(response: httpx.Response) -> tuple[int, str, str]:
    body = response.json()
    assert set(body) == {"error", "detail"}, body
    return response.status_code, body["error"], str(body["detail"])
