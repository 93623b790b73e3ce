"""The worker's disk cache of version artifacts: fetched once, verified, never changed in place.

Layout: `<root>/<tenant>/<adapter>/v<N>-<digest>/<files>`, where the digest covers every file's
sha256, so one path always holds the same bytes (vLLM keys prefix-cache blocks by path).
A version is written into a temp dir, every file's sha256 and size checked against the routing
table, the adapter checked against the base model (shapes, rank), and only then renamed into
place. Eviction keeps the cache under its byte budget, least recently used first, and never
deletes a version vLLM has registered: vLLM may re-read those files at any time.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from control_plane.adapters.validation import artifact_digest, validate_adapter_dir
from control_plane.artifacts.registry import open_store
from control_plane.artifacts.store import check_key
from control_plane.base_models.fingerprint import Fingerprint
from control_plane.kit import errors as store_errors
from control_plane.kit.names import parse_ref
from control_plane.workers.protocol import FileDigest
from vllm_plugin.errors import IncompatibleAdapter, IntegrityError, ModelNotFound, StoreUnavailable

logger = logging.getLogger(__name__)

_VERSION_DIR = re.compile(r"v(?P<number>[1-9][0-9]*)-[0-9a-f]{16}")
_CHUNK = 1024 * 1024


class AdapterCache:
    def __init__(
        self,
        root: Path,
        max_bytes: int,
        store_urls: list[str],
        max_rank: int,
        fingerprint: Fingerprint | None,
        in_use: Callable[[], Iterable[str]] = frozenset,
    ) -> None:
        self.root = Path(os.path.realpath(root))
        self.max_bytes = max_bytes
        self.store_urls = [url.rstrip("/") for url in store_urls]
        self.max_rank = max_rank
        self.fingerprint = fingerprint
        #: Version names vLLM has registered; their files are never deleted.
        self.in_use = in_use

    def path_for(self, name: str, files: list[FileDigest]) -> Path:
        ref = parse_ref(name)
        if ref is None or ref.version is None:
            raise ModelNotFound(f"`{name}` is not a version name (tenant/adapter:vN)")
        digest = artifact_digest(files)[:16]
        path = Path(os.path.realpath(self.root / ref.tenant / ref.adapter / f"v{ref.version}-{digest}"))
        if os.path.commonpath([path, self.root]) != str(self.root):
            raise ModelNotFound(f"`{name}` is not a valid version name")
        return path

    def fetch(self, name: str, artifact_uri: str, files: list[FileDigest], rank: int) -> Path:
        """The verified local directory of version `name` (blocking: call via to_thread)."""
        if rank > self.max_rank:
            raise IncompatibleAdapter(
                f"`{name}` has LoRA rank {rank}, above this worker's --max-lora-rank {self.max_rank}"
            )
        path = self.path_for(name, files)
        if path.is_dir():
            try:
                verify_files(path, files, name)
            except IntegrityError:
                logger.warning("cached copy of %s is damaged; fetching it again", name)
                _discard(path)
            else:
                os.utime(path)  # recency for eviction
                return path
        self._download(name, artifact_uri, files, path)
        self.evict(keep={path})
        return path

    def _download(self, name: str, artifact_uri: str, files: list[FileDigest], path: Path) -> None:
        store_url, prefix = self._locate(name, artifact_uri)
        staging_root = self.root / ".staging"
        staging_root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=staging_root))
        try:
            store = open_store(store_url)
            for file in files:
                key = f"{prefix}/{_plain_name(file.name)}" if prefix else _plain_name(file.name)
                store.get_file(key, staging / file.name)
            verify_files(staging, files, name)
            self._check_compatible(name, staging)
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.rename(staging, path)
            except OSError:
                if not path.is_dir():  # another fetch of the same version won the race: keep it
                    raise
        except store_errors.NotFound as exc:
            raise IntegrityError(f"the artifact of `{name}` is incomplete in the store: {exc.detail}") from exc
        except (store_errors.StoreUnavailable, OSError) as exc:
            raise StoreUnavailable(f"cannot fetch `{name}` from {store_url}: {exc}") from exc
        except store_errors.InvalidInput as exc:
            raise IntegrityError(f"the artifact of `{name}` cannot be fetched: {exc.detail}") from exc
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _locate(self, name: str, artifact_uri: str) -> tuple[str, str]:
        """(store URL, key prefix) of an artifact; only configured stores are fetched."""
        for store_url in self.store_urls:
            if artifact_uri == store_url:
                return store_url, ""
            if artifact_uri.startswith(store_url + "/"):
                try:
                    return store_url, check_key(artifact_uri[len(store_url) + 1 :].rstrip("/"))
                except store_errors.InvalidInput:
                    break  # `..` and friends: it points outside the store
        raise StoreUnavailable(
            f"`{name}` is stored at {artifact_uri}, which is not a store this worker is allowed to "
            f"fetch from ({', '.join(self.store_urls)}; set ADAPTERPLANE_STORE_URL)"
        )

    def _check_compatible(self, name: str, directory: Path) -> None:
        if self.fingerprint is None:
            return
        try:
            validate_adapter_dir(directory, self.fingerprint, self.max_rank)
        except store_errors.InvalidInput as exc:
            raise IncompatibleAdapter(f"`{name}` cannot run on this worker's base model: {exc.detail}") from exc

    def evict(self, keep: Iterable[Path] = ()) -> int:
        """Delete least recently used versions until the cache fits its budget; bytes freed."""
        entries = [(path, _size(path)) for path in self._version_dirs()]
        total = sum(size for _, size in entries)
        if total <= self.max_bytes:
            return 0
        protected = {Path(p) for p in keep}
        in_use = set(self.in_use())
        freed = 0
        for path, size in sorted(entries, key=lambda entry: _mtime(entry[0])):
            if total - freed <= self.max_bytes:
                break
            if path in protected or self._name_of(path) in in_use:
                continue
            _discard(path)
            freed += size
            logger.info("evicted %s from the adapter cache (%d bytes)", self._name_of(path), size)
        if total - freed > self.max_bytes:
            logger.warning(
                "adapter cache holds %d bytes, above its budget of %d: the rest is in use by vLLM",
                total - freed,
                self.max_bytes,
            )
        return freed

    def _version_dirs(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return [
            path
            for tenant in self.root.iterdir()
            if tenant.is_dir() and not tenant.name.startswith(".")
            for adapter in tenant.iterdir()
            if adapter.is_dir()
            for path in adapter.iterdir()
            if path.is_dir() and _VERSION_DIR.fullmatch(path.name)
        ]

    def _name_of(self, path: Path) -> str:
        number = _VERSION_DIR.fullmatch(path.name)["number"]
        return f"{path.parent.parent.name}/{path.parent.name}:v{number}"


def verify_files(directory: Path, files: list[FileDigest], name: str) -> None:
    """Raise IntegrityError unless every recorded file is there with its size and sha256."""
    if not files:
        raise IntegrityError(f"`{name}` has no files in the routing table")
    for file in files:
        path = directory / _plain_name(file.name)
        try:
            size, digest = _digest(path)
        except FileNotFoundError:
            raise IntegrityError(f"`{name}`: {file.name} is missing") from None
        if size != file.size or not hmac.compare_digest(digest, file.sha256):
            raise IntegrityError(
                f"`{name}`: {file.name} does not match its recorded sha256 digest; refusing to load it"
            )


def _digest(path: Path) -> tuple[int, str]:
    sha, size = hashlib.sha256(), 0
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            sha.update(chunk)
            size += len(chunk)
    return size, sha.hexdigest()


def _plain_name(name: str) -> str:
    """A file name with no directory part (artifact files are flat)."""
    if "/" in name or "\\" in name or "\x00" in name or name.startswith(".") or not name:
        raise IntegrityError(f"invalid artifact file name {name!r}")
    return name


def _size(path: Path) -> int:
    return sum(entry.stat().st_size for entry in path.iterdir() if entry.is_file())


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return time.time()


def _discard(path: Path) -> None:
    """Remove a version dir: rename first, so no reader ever sees it half deleted."""
    trash = path.with_name(f".trash-{path.name}-{os.getpid()}-{time.monotonic_ns()}")
    try:
        os.rename(path, trash)
    except FileNotFoundError:
        return
    shutil.rmtree(trash, ignore_errors=True)
