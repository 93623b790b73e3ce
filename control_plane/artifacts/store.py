"""The artifact store interface. Implementations: `file://` (file_store.py), `s3://` (s3_store.py).

Keys are relative, '/'-separated paths (validated by `check_key`). A key, once written, is never
overwritten with different bytes: version artifacts are immutable and content-addressed, under
`adapters/<tenant>/<adapter>/<artifact digest>/<file name>`.
"""

from __future__ import annotations

import abc
import posixpath
from dataclasses import dataclass
from pathlib import Path

from control_plane.kit.errors import Conflict, InvalidInput


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int


def check_key(key: str) -> str:
    """Refuse absolute keys, empty parts, `.`/`..` and backslashes (path traversal)."""
    parts = key.split("/")
    if (
        not key
        or key.startswith("/")
        or "\\" in key
        or "\x00" in key
        or any(part in ("", ".", "..") for part in parts)
        or posixpath.normpath(key) != key
    ):
        raise InvalidInput(f"invalid artifact path {key!r}")
    return key


def refuse_replacement(key: str, existing: int, size: int) -> None:
    """An artifact key is written once: the same key with another size is a Conflict (the same
    size is the same content, since keys are content-addressed)."""
    if existing != size:
        raise Conflict(
            f"artifact {key!r} already exists with {existing} bytes; refusing to replace it "
            f"with {size} bytes (artifacts are immutable)"
        )


def version_prefix(tenant: str, adapter: str, artifact_digest: str) -> str:
    return f"adapters/{tenant}/{adapter}/{artifact_digest}"


class ArtifactStore(abc.ABC):
    """A place that holds version artifacts. All methods are blocking (call via to_thread)."""

    #: The store's root URL, e.g. `file:///var/lib/adapterplane/store` or `s3://bucket/prefix`.
    url: str

    @abc.abstractmethod
    def put_file(self, key: str, source: Path) -> None:
        """Write `source` at `key`. If `key` exists with the same size it is left as is (the
        caller content-addresses keys); if it exists with another size, raise Conflict.
        Raise StoreUnavailable when the store cannot be reached."""

    @abc.abstractmethod
    def get_file(self, key: str, dest: Path) -> None:
        """Copy `key` to the local path `dest`. Raise NotFound if absent, StoreUnavailable if
        the store cannot be reached."""

    @abc.abstractmethod
    def list(self, prefix: str) -> list[StoredFile]:
        """Every file under `prefix/` (keys relative to the store root), sorted by key."""

    @abc.abstractmethod
    def check(self) -> None:
        """Raise StoreUnavailable unless the store is reachable and usable (readiness probe)."""

    def location(self, key: str) -> str:
        """The full URL of `key` (what a version records as its artifact location)."""
        return f"{self.url.rstrip('/')}/{check_key(key)}"

    def download_prefix(self, prefix: str, dest: Path) -> list[StoredFile]:
        """Copy every file under `prefix/` into `dest` (flat names relative to the prefix)."""
        files = self.list(prefix)
        for stored in files:
            relative = stored.key[len(prefix) + 1 :]
            target = dest / check_key(relative)
            target.parent.mkdir(parents=True, exist_ok=True)
            self.get_file(stored.key, target)
        return files
