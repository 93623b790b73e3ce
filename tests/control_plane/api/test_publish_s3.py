"""Publishing with the S3 store and from S3 sources, against a real SeaweedFS server."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from control_plane.app import create_app
from tests.control_plane.api.conftest import BASE_MODEL, SMOLLM2_CONFIG, error_of, make_settings, upload
from tests.support.peft_factory import make_adapter
from tests.support.seaweed import S3Server

pytestmark = pytest.mark.s3


@pytest.fixture
def s3_client(s3_env: S3Server, database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    settings = make_settings(database_url, tmp_path, store_url=f"s3://{s3_env.bucket}/published")
    with TestClient(create_app(settings), headers={"authorization": f"Bearer {settings.token('admin')}"}) as client:
        client.post("/v1/base-models", json={"name": BASE_MODEL, "config": SMOLLM2_CONFIG}).raise_for_status()
        yield client


@pytest.fixture
def s3_tenant(s3_client: TestClient, tenant_name: str) -> str:
    s3_client.post("/v1/tenants", json={"name": tenant_name}).raise_for_status()
    return tenant_name


@pytest.fixture
def tenant_name() -> str:
    return f"s3-{uuid.uuid4().hex[:8]}"


def test_upload_lands_in_s3_content_addressed(s3_client: TestClient, s3_tenant: str, s3_env: S3Server, tmp_path: Path) -> None:
    response = upload(s3_client, f"{s3_tenant}/bot", make_adapter(tmp_path / "a"))
    assert response.status_code == 201, response.text
    version = response.json()
    prefix = f"published/adapters/{s3_tenant}/bot/{version['artifact_digest']}/"
    assert version["artifact_uri"] == f"s3://{s3_env.bucket}/{prefix.rstrip('/')}"
    listed = s3_env.client().list_objects_v2(Bucket=s3_env.bucket, Prefix=prefix)["Contents"]
    assert sorted(o["Key"][len(prefix):] for o in listed) == sorted(f["name"] for f in version["files"])
    assert s3_client.get("/readyz").status_code == 200


def test_import_from_an_s3_prefix(s3_client: TestClient, s3_tenant: str, s3_env: S3Server, tmp_path: Path) -> None:
    directory = make_adapter(tmp_path / "a", alpha=5.0)
    s3 = s3_env.client()
    for path in directory.iterdir():
        s3.upload_file(str(path), s3_env.bucket, f"incoming/{s3_tenant}/{path.name}")
    source = f"s3://{s3_env.bucket}/incoming/{s3_tenant}"
    response = s3_client.post(
        f"/v1/adapters/{s3_tenant}/bot/versions/import", json={"source": source, "base_model": BASE_MODEL}
    )
    assert response.status_code == 201, response.text
    assert response.json()["source"] == source and response.json()["alpha"] == 5.0


def test_import_of_a_broken_adapter_from_s3_records_nothing(s3_client: TestClient, s3_tenant: str, s3_env: S3Server, tmp_path: Path) -> None:
    directory = make_adapter(tmp_path / "a", peft_type="PREFIX_TUNING")
    for path in directory.iterdir():
        s3_env.client().upload_file(str(path), s3_env.bucket, f"broken/{s3_tenant}/{path.name}")
    response = s3_client.post(
        f"/v1/adapters/{s3_tenant}/bot/versions/import",
        json={"source": f"s3://{s3_env.bucket}/broken/{s3_tenant}", "base_model": BASE_MODEL},
    )
    status, _, detail = error_of(response)
    assert status == 400 and "LORA" in detail
    assert error_of(s3_client.get(f"/v1/adapters/{s3_tenant}/bot"))[0] == 404


@pytest.mark.parametrize("source", ["ftp://x/y", "s3://", "hf://", "/etc/passwd", "file:///etc"])
def test_bad_import_sources(s3_client: TestClient, s3_tenant: str, source: str) -> None:
    response = s3_client.post(f"/v1/adapters/{s3_tenant}/bot/versions/import", json={"source": source, "base_model": BASE_MODEL})
    assert error_of(response)[0] in (400, 404)
    assert error_of(s3_client.get(f"/v1/adapters/{s3_tenant}/bot"))[0] == 404


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_s3_during_publish_is_503_and_records_nothing(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tenant_name: str
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-key")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    settings = make_settings(database_url, tmp_path, store_url="s3://bucket/published")
    with TestClient(create_app(settings), headers={"authorization": f"Bearer {settings.token('admin')}"}) as client:
        client.post("/v1/base-models", json={"name": BASE_MODEL, "config": SMOLLM2_CONFIG}).raise_for_status()
        client.post("/v1/tenants", json={"name": tenant_name}).raise_for_status()
        status, error, detail = error_of(upload(client, f"{tenant_name}/bot", make_adapter(tmp_path / "a")))
        assert (status, error) == (503, "store_unavailable") and "S3" in detail
        assert error_of(client.get(f"/v1/adapters/{tenant_name}/bot"))[0] == 404
        assert [e["action"] for e in client.get(f"/v1/audit?tenant={tenant_name}").json()] == ["tenant.create"]
        assert client.get("/readyz").status_code == 503
