"""A content-keyed build cache: each entry is a directory named by a digest of its inputs.

An entry appears by `rename` of a finished temp directory, so a reader sees a whole entry or
none, and two builders racing for the same key both end with the same complete result.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEFAULT_CACHE_DIR = Path.home() / ".cache" / "adapterplane" / "assets"
CACHE_DIR_ENV = "ADAPTERPLANE_ASSETS_DIR"


def cache_dir(override: Path | None = None) -> Path:
    """`override`, else `$ADAPTERPLANE_ASSETS_DIR`, else ~/.cache/adapterplane/assets."""
    if override is not None:
        return Path(override)
    return Path(os.environ.get(CACHE_DIR_ENV) or DEFAULT_CACHE_DIR)


def content_key(kind: str, inputs: dict[str, Any]) -> str:
    """A stable key for a build recipe (its JSON, sorted); 16 hex chars name the entry."""
    blob = json.dumps({"kind": kind, **inputs}, sort_keys=True).encode()
    return f"{kind}-{hashlib.sha256(blob).hexdigest()[:16]}"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def cached_build(root: Path, key: str, build: Callable[[Path], None]) -> Path:
    """The entry `root/key`, running `build(temp_dir)` first if it is not there yet."""
    entry = root / key
    if entry.is_dir():
        return entry
    root.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(dir=root, prefix=f".{key}-"))
    try:
        build(temp)
        try:
            os.rename(temp, entry)
        except OSError:
            if not entry.is_dir():  # lost a race to an identical build: keep the winner's
                raise
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    return entry


def copy_to(entry: Path, dest: Path | None) -> Path:
    """`entry` itself when `dest` is None, else `dest` holding a copy of the entry's files."""
    if dest is None:
        return entry
    dest = Path(dest)
    shutil.copytree(entry, dest, dirs_exist_ok=True)
    return dest
