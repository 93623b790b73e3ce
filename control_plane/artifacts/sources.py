"""Fetch a publish SOURCE into a local directory: a local directory, `s3://bucket/prefix` or
`hf://org/repo[@revision]` (imported once, pinned to the commit the revision resolved to)."""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from control_plane.kit.errors import InvalidInput, NotFound, StoreUnavailable

#: What an adapter artifact is made of; other repository files (pickles, training state) are
#: never downloaded. The validator names a missing file.
HF_FILES = ("adapter_config.json", "adapter_model.safetensors", "README.md")
_HF_SOURCE = re.compile(
    r"hf://(?P<repo>[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*)(?:@(?P<revision>[\w.-]+(?:/[\w.-]+)*))?",
    re.ASCII,
)
_SOURCE_FORMS = "a local directory, s3://bucket/prefix or hf://org/repo[@revision]"


@dataclass(frozen=True)
class FetchedSource:
    path: Path
    #: The source as recorded with the version: the absolute directory, the S3 URL, or
    #: `hf://org/repo@<40-hex commit>` whatever revision was asked for.
    pinned_source: str


def fetch_source(source: str, workdir: Path) -> FetchedSource:
    """Make `source` available as a local directory; remote sources are copied under `workdir`."""
    if source.startswith("hf://"):
        return _fetch_hf(source, workdir)
    if source.startswith("s3://"):
        return _fetch_s3(source, workdir)
    if "://" in source:
        raise InvalidInput(f"unsupported source {source!r}: use {_SOURCE_FORMS}")
    path = Path(source).expanduser().resolve()
    if not path.exists():
        raise NotFound(f"no such directory: {source}")
    if not path.is_dir():
        raise InvalidInput(f"{source} is not a directory: use {_SOURCE_FORMS}")
    return FetchedSource(path=path, pinned_source=str(path))


# Remote sources import their clients lazily: publishing a local directory needs neither.
def _fetch_s3(source: str, workdir: Path) -> FetchedSource:
    from control_plane.artifacts.s3_store import S3Store

    bucket, _, prefix = source.removeprefix("s3://").partition("/")
    prefix = prefix.strip("/")
    if not prefix:
        raise InvalidInput(f"invalid source {source!r}: name the adapter's folder, s3://bucket/path/to/adapter")
    dest = Path(tempfile.mkdtemp(dir=workdir, prefix="s3-"))
    if not S3Store(f"s3://{bucket}").download_prefix(prefix, dest):
        raise NotFound(f"no files under {source}")
    return FetchedSource(path=dest, pinned_source=f"s3://{bucket}/{prefix}")


def _fetch_hf(source: str, workdir: Path) -> FetchedSource:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import (
        HfHubHTTPError,
        HFValidationError,
        LocalEntryNotFoundError,
        OfflineModeIsEnabled,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    match = _HF_SOURCE.fullmatch(source)
    if match is None:
        raise InvalidInput(f"invalid source {source!r}: expected hf://org/repo or hf://org/repo@revision")
    repo, revision = match["repo"], match["revision"] or "main"
    try:
        snapshot = Path(snapshot_download(repo, revision=revision, allow_patterns=list(HF_FILES)))
    except RevisionNotFoundError as exc:
        raise NotFound(f"revision {revision!r} not found in Hugging Face repository {repo}") from exc
    except RepositoryNotFoundError as exc:
        raise NotFound(
            f"Hugging Face repository {repo} not found (private or gated repositories need HF_TOKEN)"
        ) from exc
    except LocalEntryNotFoundError as exc:
        if exc.__cause__ is None or isinstance(exc.__cause__, OfflineModeIsEnabled):
            raise NotFound(
                f"{repo}@{revision} is not in the local Hugging Face cache and the Hub is not "
                "used (HF_HUB_OFFLINE is set)"
            ) from exc
        raise StoreUnavailable(f"cannot reach the Hugging Face Hub to fetch {repo}@{revision}") from exc
    except HFValidationError as exc:
        raise InvalidInput(f"invalid source {source!r}: {exc}") from exc
    except HfHubHTTPError as exc:
        raise StoreUnavailable(f"the Hugging Face Hub failed to serve {repo}@{revision}: {exc}") from exc
    # Snapshot folders are named after the commit, online and offline alike.
    commit = snapshot.name
    dest = Path(tempfile.mkdtemp(dir=workdir, prefix="hf-"))
    for name in HF_FILES:
        # Cache entries are symlinks into the blob store: copy the content, not the links.
        if (snapshot / name).is_file():
            shutil.copyfile(snapshot / name, dest / name)
    return FetchedSource(path=dest, pinned_source=f"hf://{repo}@{commit}")
