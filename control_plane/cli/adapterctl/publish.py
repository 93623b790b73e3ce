"""`adapterctl publish`: validate an adapter locally, upload it, and print the new version."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

import click

from control_plane.adapters.validation import AdapterSummary, validate_adapter_dir
from control_plane.artifacts.sources import fetch_source
from control_plane.base_models.fingerprint import Fingerprint
from control_plane.cli.adapterctl import output
from control_plane.cli.adapterctl.arguments import adapter_argument
from control_plane.cli.adapterctl.base_models import base_model_path
from control_plane.cli.adapterctl.client import UPLOAD_TIMEOUT, ApiClient, adapter_path, segment
from control_plane.cli.adapterctl.config import Config, global_options, pass_config
from control_plane.cli.adapterctl.errors import CliError, local_check
from control_plane.kit.names import AdapterRef

#: The largest rank any control plane may be configured to accept (ADAPTERPLANE_MAX_LORA_RANK
#: is at most 512). The server applies its own, usually lower, limit; every other check
#: (files, PEFT config, target modules, tensor shapes) is the same here and there.
LOCAL_MAX_RANK = 512
REMOTE_SCHEMES = ("s3://", "hf://")


def parse_labels(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> dict[str, str]:
    labels = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CliError(f"invalid label {item!r}: use KEY=VALUE, e.g. --label team=support")
        labels[key] = value
    return labels


@click.command()
@adapter_argument()
@click.argument("source", metavar="SOURCE")
@click.option(
    "--base-model", required=True, metavar="NAME",
    help="The base model the adapter was trained for, as registered with 'base-models add'.",
)  # fmt: skip
@click.option("--description", default="", metavar="TEXT", help="What changed in this version.")
@click.option(
    "--label", "labels", multiple=True, metavar="KEY=VALUE", callback=parse_labels,
    help="A label to keep with the version (repeatable).",
)  # fmt: skip
@global_options
@pass_config
def publish(
    config: Config, adapter: AdapterRef, source: str, base_model: str, description: str, labels: dict[str, str]
) -> None:
    """Publish a new version of TENANT/ADAPTER from SOURCE.

    SOURCE is a local PEFT adapter directory (validated here, then uploaded), s3://bucket/prefix
    or hf://org/repo[@revision] (imported by the control plane and pinned to the commit). The
    first version of an adapter gets all the traffic of its default route.

    \b
    Examples:
      adapterctl publish acme/support-bot ./out/adapter --base-model HuggingFaceTB/SmolLM2-135M-Instruct
      adapterctl publish acme/support-bot hf://acme/support-bot-lora@v2 --base-model smollm2
      adapterctl publish acme/support-bot s3://models/acme/bot-v3 --base-model smollm2 --label run=42
    """
    client = config.client()
    metadata = {"base_model": base_model, "description": description, "labels": labels}
    if source.startswith(REMOTE_SCHEMES):
        version = client.post(
            adapter_path(adapter.tenant, adapter.adapter, "versions", "import"),
            json={"source": source, **metadata},
            timeout=UPLOAD_TIMEOUT,
        )
    else:
        # Only local directories reach here, so fetch_source just checks the path (and names
        # the forms SOURCE may take when it is none of them).
        directory = local_check(fetch_source, source, Path.cwd()).path
        summary = validate_locally(client, adapter, base_model, directory)
        version = upload(client, adapter, directory, summary, metadata)
    output.done(config, version, f"{version['name']} published")


def validate_locally(client: ApiClient, adapter: AdapterRef, base_model: str, directory: Path) -> AdapterSummary:
    """Refuse before uploading what the server would refuse after: the tenant must exist and be
    yours, the base model must be registered, and the adapter must fit its architecture."""
    client.get(f"/v1/tenants/{segment(adapter.tenant)}")
    fingerprint = Fingerprint.from_dict(client.get(base_model_path(base_model)))
    return local_check(validate_adapter_dir, directory, fingerprint, LOCAL_MAX_RANK)


def upload(
    client: ApiClient, adapter: AdapterRef, directory: Path, summary: AdapterSummary, metadata: dict[str, Any]
) -> Any:
    """One multipart request: the metadata (with the sha256 of every file) and the files."""
    total = sum(file.size for file in summary.files)
    sha256 = {file.name: file.sha256 for file in summary.files}
    label = f"uploading {adapter} ({len(summary.files)} files, {output.human_size(total)})"
    with ExitStack() as stack:
        bar = stack.enter_context(click.progressbar(length=total, label=label, file=sys.stderr))
        parts = [
            ("files", (file.name, _Progress(stack.enter_context((directory / file.name).open("rb")), bar.update)))
            for file in summary.files
        ]
        return client.post(
            adapter_path(adapter.tenant, adapter.adapter, "versions"),
            data={"metadata": json.dumps({**metadata, "sha256": sha256})},
            files=parts,
            timeout=UPLOAD_TIMEOUT,
        )


class _Progress:
    """A binary file that reports how much of it has been read (httpx reads it in chunks)."""

    def __init__(self, stream: IO[bytes], advance: Callable[[int], None]) -> None:
        self._stream = stream
        self._advance = advance

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size)
        self._advance(len(chunk))
        return chunk

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._stream.seek(offset, whence)

    def tell(self) -> int:
        return self._stream.tell()

    def fileno(self) -> int:
        return self._stream.fileno()
