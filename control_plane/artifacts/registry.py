"""Open the artifact store a URL names (`ADAPTERPLANE_STORE_URL`, a version's artifact URI)."""

from __future__ import annotations

from control_plane.artifacts.file_store import FileStore
from control_plane.artifacts.store import ArtifactStore
from control_plane.kit.errors import InvalidInput


def open_store(url: str) -> ArtifactStore:
    """A store for `file:///abs/dir` or `s3://bucket/prefix`; anything else is InvalidInput."""
    if url.startswith("file://"):
        return FileStore(url)
    if url.startswith("s3://"):
        # Imported here so that file-store users never pay for importing boto3.
        from control_plane.artifacts.s3_store import S3Store

        return S3Store(url)
    raise InvalidInput(f"unsupported store URL {url!r}: use file:///absolute/dir or s3://bucket/prefix")
