"""`file:///abs/dir`: an artifact store on a local or mounted filesystem."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

from control_plane.artifacts.store import ArtifactStore, StoredFile, check_key, refuse_replacement
from control_plane.kit.errors import InvalidInput, NotFound, StoreUnavailable

#: Names of in-flight writes; `list` skips them so a reader never sees half a file.
TEMP_PREFIX = ".adapterplane-tmp-"


class FileStore(ArtifactStore):
    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        path = unquote(parts.path)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost") or not os.path.isabs(path):
            raise InvalidInput(f"invalid file store URL {url!r}: expected file:///absolute/directory")
        self.root = Path(os.path.realpath(path))
        self.url = self.root.as_uri()

    def put_file(self, key: str, source: Path) -> None:
        target = self._path(key)
        size = source.stat().st_size
        if target.exists():
            existing = target.stat().st_size
            refuse_replacement(key, existing, size)
            return
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            _copy_atomically(source, target)
        except OSError as exc:
            raise StoreUnavailable(f"cannot write {key!r} to the file store {self.url}: {exc}") from exc

    def get_file(self, key: str, dest: Path) -> None:
        source = self._path(key)
        if not source.is_file():
            raise NotFound(f"artifact {key!r} not found in {self.url}")
        try:
            _copy_atomically(source, dest)
        except OSError as exc:
            raise StoreUnavailable(f"cannot read {key!r} from the file store {self.url}: {exc}") from exc

    def list(self, prefix: str) -> list[StoredFile]:
        top = self._path(prefix)
        found: list[StoredFile] = []
        for dirpath, _dirnames, filenames in os.walk(top):
            for name in filenames:
                path = Path(dirpath) / name
                if name.startswith(TEMP_PREFIX) or not path.is_file() or path.is_symlink():
                    continue
                key = path.relative_to(self.root).as_posix()
                found.append(StoredFile(key=key, size=path.stat().st_size))
        return sorted(found, key=lambda stored: stored.key)

    def check(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.root, prefix=TEMP_PREFIX):
                pass
        except OSError as exc:
            raise StoreUnavailable(f"file store {self.url} is not writable: {exc}") from exc

    def _path(self, key: str) -> Path:
        """The local path of `key`; refuse keys that resolve outside the root (e.g. via symlinks)."""
        resolved = os.path.realpath(self.root / check_key(key))
        if os.path.commonpath([resolved, self.root]) != str(self.root):
            raise InvalidInput(f"invalid artifact path {key!r}: it leaves the store")
        return Path(resolved)


def _copy_atomically(source: Path, target: Path) -> None:
    """Copy through a temp file in the target's directory, so `target` is complete or absent."""
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=TEMP_PREFIX)
    try:
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            shutil.copyfileobj(src, out, 1024 * 1024)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o644)  # mkstemp makes 0600; store readers may run as another user
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
