"""The ArtifactStore contract, run against the file store and a real S3 server (SeaweedFS)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from control_plane.artifacts.registry import open_store
from control_plane.artifacts.store import ArtifactStore, StoredFile
from control_plane.kit.errors import Conflict, InvalidInput, NotFound

TRAVERSAL_KEYS = ["../escape", "/etc/passwd", "a/../../b", "a//b", "a/./b", "a\\b", "", "a/"]


@pytest.fixture(params=["file", pytest.param("s3", marks=pytest.mark.s3)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ArtifactStore:
    if request.param == "file":
        return open_store((tmp_path / "store").as_uri())
    server = request.getfixturevalue("s3_env")
    # Each test gets its own prefix in the shared bucket.
    return open_store(f"s3://{server.bucket}/tests/{uuid.uuid4().hex}")


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_put_then_get_returns_the_same_bytes(store: ArtifactStore, tmp_path: Path) -> None:
    store.put_file("adapters/acme/chat/d1/adapter_config.json", write(tmp_path / "in", b'{"r": 8}'))
    store.get_file("adapters/acme/chat/d1/adapter_config.json", tmp_path / "out")
    assert (tmp_path / "out").read_bytes() == b'{"r": 8}'


def test_list_returns_files_under_the_prefix_sorted_with_sizes(store: ArtifactStore, tmp_path: Path) -> None:
    for key, data in [("p/v1/b.txt", b"bb"), ("p/v1/a.txt", b"a"), ("p/v10/c.txt", b"ccc"), ("q/d.txt", b"d")]:
        store.put_file(key, write(tmp_path / "src", data))

    assert store.list("p/v1") == [StoredFile("p/v1/a.txt", 1), StoredFile("p/v1/b.txt", 2)]
    assert store.list("p") == [
        StoredFile("p/v1/a.txt", 1),
        StoredFile("p/v1/b.txt", 2),
        StoredFile("p/v10/c.txt", 3),
    ]
    assert store.list("nothing/here") == []


def test_download_prefix_copies_files_relative_to_the_prefix(store: ArtifactStore, tmp_path: Path) -> None:
    store.put_file("v/one.json", write(tmp_path / "a", b"1"))
    store.put_file("v/two.json", write(tmp_path / "b", b"22"))
    dest = tmp_path / "dest"
    dest.mkdir()

    store.download_prefix("v", dest)

    assert sorted(p.name for p in dest.iterdir()) == ["one.json", "two.json"]
    assert (dest / "two.json").read_bytes() == b"22"


def test_an_existing_key_is_never_overwritten(store: ArtifactStore, tmp_path: Path) -> None:
    store.put_file("k/file.bin", write(tmp_path / "first", b"first"))

    # Same size: keys are content-addressed, so this is the same artifact; left as is.
    store.put_file("k/file.bin", write(tmp_path / "same-size", b"FIRST"))
    with pytest.raises(Conflict, match="already exists with 5 bytes"):
        store.put_file("k/file.bin", write(tmp_path / "other", b"different"))

    store.get_file("k/file.bin", tmp_path / "out")
    assert (tmp_path / "out").read_bytes() == b"first"


def test_getting_a_missing_key_is_not_found(store: ArtifactStore, tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="missing/key"):
        store.get_file("missing/key", tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("key", TRAVERSAL_KEYS)
def test_traversal_keys_are_refused(store: ArtifactStore, tmp_path: Path, key: str) -> None:
    source = write(tmp_path / "src", b"x")
    with pytest.raises(InvalidInput, match="invalid artifact path"):
        store.put_file(key, source)
    with pytest.raises(InvalidInput, match="invalid artifact path"):
        store.get_file(key, tmp_path / "out")
    with pytest.raises(InvalidInput, match="invalid artifact path"):
        store.list(key)


def test_check_passes_on_a_usable_store(store: ArtifactStore) -> None:
    store.check()


def test_location_is_the_full_url_of_a_key(store: ArtifactStore) -> None:
    assert store.location("adapters/acme/chat/d1/x.json") == f"{store.url}/adapters/acme/chat/d1/x.json"
