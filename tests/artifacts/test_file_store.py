from __future__ import annotations

from pathlib import Path

import pytest

from control_plane.artifacts.file_store import TEMP_PREFIX, FileStore
from control_plane.kit.errors import InvalidInput, StoreUnavailable


@pytest.mark.parametrize("url", ["file://relative/dir", "file://otherhost/dir", "s3://bucket/x", "/plain/path"])
def test_urls_that_are_not_absolute_local_file_urls_are_refused(url: str) -> None:
    with pytest.raises(InvalidInput, match="expected file:///absolute/directory"):
        FileStore(url)


def test_check_creates_a_missing_root(tmp_path: Path) -> None:
    root = tmp_path / "does" / "not" / "exist"
    FileStore(root.as_uri()).check()
    assert root.is_dir()


def test_check_fails_when_the_root_cannot_be_a_directory(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    with pytest.raises(StoreUnavailable, match="not writable"):
        FileStore((tmp_path / "a-file" / "store").as_uri()).check()


def test_a_symlink_out_of_the_store_is_not_followed(tmp_path: Path) -> None:
    store = FileStore((tmp_path / "store").as_uri())
    store.check()
    (tmp_path / "outside").mkdir()
    (tmp_path / "store" / "link").symlink_to(tmp_path / "outside")
    (tmp_path / "src").write_bytes(b"x")

    with pytest.raises(InvalidInput, match="leaves the store"):
        store.put_file("link/file", tmp_path / "src")
    assert list((tmp_path / "outside").iterdir()) == []


def test_writes_leave_no_temp_files_and_listing_skips_in_flight_ones(tmp_path: Path) -> None:
    store = FileStore((tmp_path / "store").as_uri())
    (tmp_path / "src").write_bytes(b"data")
    store.put_file("v/a.json", tmp_path / "src")
    (tmp_path / "store" / "v" / f"{TEMP_PREFIX}half-written").write_bytes(b"da")

    assert [stored.key for stored in store.list("v")] == ["v/a.json"]
    assert sorted(p.name for p in (tmp_path / "store" / "v").iterdir()) == [f"{TEMP_PREFIX}half-written", "a.json"]
