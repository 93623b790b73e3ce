from __future__ import annotations

import hashlib
import os
import socket
import time
import uuid
from pathlib import Path

import pytest

from control_plane.artifacts.s3_store import TRANSFER_CONFIG, S3Store
from control_plane.kit.errors import InvalidInput, StoreUnavailable
from tests.support.seaweed import S3Server


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("url", ["s3://", "s3://B!/x", "s3://bucket/../x", "file:///x", "s3://bucket/x?versionId=1"])
def test_invalid_s3_urls_are_refused(url: str) -> None:
    with pytest.raises(InvalidInput):
        S3Store(url)


def test_the_url_is_normalized() -> None:
    assert S3Store("s3://bucket/some/prefix/").url == "s3://bucket/some/prefix"
    assert S3Store("s3://bucket").url == "s3://bucket"


def test_an_unreachable_store_fails_fast_as_unavailable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    store = S3Store("s3://bucket/prefix")
    (tmp_path / "src").write_bytes(b"x")

    for operation in (
        store.check,
        lambda: store.list("v"),
        lambda: store.put_file("v/a", tmp_path / "src"),
        lambda: store.get_file("v/a", tmp_path / "out"),
    ):
        started = time.monotonic()
        with pytest.raises(StoreUnavailable, match="cannot reach S3"):
            operation()
        assert time.monotonic() - started < 5


def test_missing_credentials_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{closed_port()}")

    with pytest.raises(StoreUnavailable, match="no S3 credentials.*AWS_ACCESS_KEY_ID"):
        S3Store("s3://bucket/prefix").check()


@pytest.mark.s3
def test_wrong_credentials_are_access_denied(s3_env: S3Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    store = S3Store(f"s3://{s3_env.bucket}/denied")

    with pytest.raises(StoreUnavailable, match="denied.*check the S3 credentials"):
        store.list("v")


@pytest.mark.s3
def test_check_names_a_missing_bucket(s3_env: S3Server) -> None:
    with pytest.raises(StoreUnavailable, match="bucket 'no-such-bucket' does not exist"):
        S3Store("s3://no-such-bucket/prefix").check()


@pytest.mark.s3
def test_the_prefix_is_the_store_root_in_the_bucket(s3_env: S3Server, tmp_path: Path) -> None:
    prefix = f"tests/{uuid.uuid4().hex}"
    (tmp_path / "src").write_bytes(b"x")

    S3Store(f"s3://{s3_env.bucket}/{prefix}").put_file("v/a.json", tmp_path / "src")

    listed = s3_env.client().list_objects_v2(Bucket=s3_env.bucket, Prefix=prefix)
    assert [item["Key"] for item in listed["Contents"]] == [f"{prefix}/v/a.json"]


@pytest.mark.s3
def test_big_files_go_up_in_parts_and_come_back_whole(s3_env: S3Server, tmp_path: Path) -> None:
    big = tmp_path / "big"
    big.write_bytes(os.urandom(TRANSFER_CONFIG.multipart_threshold + 1024**2))
    store = S3Store(f"s3://{s3_env.bucket}/tests/{uuid.uuid4().hex}")

    store.put_file("v/adapter_model.safetensors", big)
    store.get_file("v/adapter_model.safetensors", tmp_path / "back")

    etag = s3_env.client().head_object(Bucket=s3_env.bucket, Key=store.prefix + "/v/adapter_model.safetensors")["ETag"]
    assert "-" in etag  # multipart ETags end in -<part count>
    assert hashlib.sha256((tmp_path / "back").read_bytes()).digest() == hashlib.sha256(big.read_bytes()).digest()
