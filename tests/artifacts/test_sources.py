from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from control_plane.artifacts.s3_store import S3Store
from control_plane.artifacts.sources import fetch_source
from control_plane.kit.errors import InvalidInput, NotFound
from tests.support.hf_cache import add_snapshot, use_offline_cache
from tests.support.seaweed import S3Server

ADAPTER_FILES = {
    "adapter_config.json": b'{"peft_type": "LORA"}',
    "adapter_model.safetensors": b"weights",
    "README.md": b"# card",
}


def contents(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in directory.iterdir()}


def test_a_local_directory_is_used_in_place(tmp_path: Path) -> None:
    (tmp_path / "adapter").mkdir()

    fetched = fetch_source(str(tmp_path / "adapter"), tmp_path / "work")

    assert fetched.path == (tmp_path / "adapter").resolve()
    assert fetched.pinned_source == str((tmp_path / "adapter").resolve())


def test_a_missing_local_directory_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="no such directory"):
        fetch_source(str(tmp_path / "nope"), tmp_path)


def test_a_local_file_is_not_a_source(tmp_path: Path) -> None:
    (tmp_path / "adapter.safetensors").write_bytes(b"")
    with pytest.raises(InvalidInput, match="is not a directory"):
        fetch_source(str(tmp_path / "adapter.safetensors"), tmp_path)


@pytest.mark.parametrize("source", ["http://example.com/adapter", "gs://bucket/adapter", "file:///tmp/x"])
def test_unsupported_schemes_are_refused(tmp_path: Path, source: str) -> None:
    with pytest.raises(InvalidInput, match="unsupported source"):
        fetch_source(source, tmp_path)


@pytest.mark.s3
def test_an_s3_prefix_is_downloaded(s3_env: S3Server, tmp_path: Path) -> None:
    prefix = f"sources/{uuid.uuid4().hex}"
    store = S3Store(f"s3://{s3_env.bucket}")
    s3_env.client().put_object(Bucket=s3_env.bucket, Key=f"{prefix}/", Body=b"")  # a console "folder"
    for name, data in ADAPTER_FILES.items():
        (tmp_path / name).write_bytes(data)
        store.put_file(f"{prefix}/{name}", tmp_path / name)
    (tmp_path / "work").mkdir()

    fetched = fetch_source(f"s3://{s3_env.bucket}/{prefix}/", tmp_path / "work")

    assert contents(fetched.path) == ADAPTER_FILES
    assert fetched.path.is_relative_to(tmp_path / "work")
    assert fetched.pinned_source == f"s3://{s3_env.bucket}/{prefix}"


@pytest.mark.s3
def test_an_empty_s3_prefix_is_not_found(s3_env: S3Server, tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="no files under"):
        fetch_source(f"s3://{s3_env.bucket}/nothing/{uuid.uuid4().hex}", tmp_path)


def test_an_s3_source_must_name_a_folder(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="name the adapter's folder"):
        fetch_source("s3://bucket", tmp_path)


@pytest.fixture
def hf_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "hf-cache"
    cache.mkdir()
    use_offline_cache(cache, monkeypatch)
    (tmp_path / "work").mkdir()
    return cache


def test_hf_without_a_revision_means_main_pinned_to_its_commit(hf_cache: Path, tmp_path: Path) -> None:
    commit = add_snapshot(hf_cache, "acme/support-lora", ADAPTER_FILES)

    fetched = fetch_source("hf://acme/support-lora", tmp_path / "work")

    assert fetched.pinned_source == f"hf://acme/support-lora@{commit}"
    assert contents(fetched.path) == ADAPTER_FILES
    assert not any(path.is_symlink() for path in fetched.path.iterdir())


def test_hf_pins_a_branch_or_tag_to_its_commit(hf_cache: Path, tmp_path: Path) -> None:
    add_snapshot(hf_cache, "acme/support-lora", ADAPTER_FILES)
    release = add_snapshot(hf_cache, "acme/support-lora", {**ADAPTER_FILES, "README.md": b"v1"}, ref="v1")

    fetched = fetch_source("hf://acme/support-lora@v1", tmp_path / "work")

    assert fetched.pinned_source == f"hf://acme/support-lora@{release}"
    assert (fetched.path / "README.md").read_bytes() == b"v1"


def test_hf_accepts_a_commit(hf_cache: Path, tmp_path: Path) -> None:
    commit = add_snapshot(hf_cache, "acme/support-lora", ADAPTER_FILES, ref=None)

    fetched = fetch_source(f"hf://acme/support-lora@{commit}", tmp_path / "work")

    assert fetched.pinned_source == f"hf://acme/support-lora@{commit}"


def test_hf_copies_only_adapter_files(hf_cache: Path, tmp_path: Path) -> None:
    add_snapshot(hf_cache, "acme/support-lora", {**ADAPTER_FILES, "training_args.bin": b"pickle", "x.py": b""})

    fetched = fetch_source("hf://acme/support-lora", tmp_path / "work")

    assert sorted(contents(fetched.path)) == sorted(ADAPTER_FILES)


def test_hf_missing_repo_or_revision_is_not_found(hf_cache: Path, tmp_path: Path) -> None:
    add_snapshot(hf_cache, "acme/support-lora", ADAPTER_FILES)

    with pytest.raises(NotFound, match="acme/other"):
        fetch_source("hf://acme/other", tmp_path / "work")
    with pytest.raises(NotFound, match="acme/support-lora@v9"):
        fetch_source("hf://acme/support-lora@v9", tmp_path / "work")


@pytest.mark.parametrize(
    "source",
    ["hf://", "hf://just-a-repo", "hf://acme/repo/extra", "hf://acme/repo@", "hf://acme/re po", "hf://acme/repo@a b"],
)
def test_malformed_hf_sources_are_refused(tmp_path: Path, source: str) -> None:
    with pytest.raises(InvalidInput, match="expected hf://org/repo"):
        fetch_source(source, tmp_path)
