"""Drive `adapterctl` in-process (click's CliRunner) against the real control plane."""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result

from control_plane.adapters.validation import digest_files
from control_plane.cli.adapterctl import cli as adapterctl
from tests.support.peft_factory import SMOLLM2_135M, make_adapter
from tests.support.server import ControlPlane

BASE_MODEL = "HuggingFaceTB/SmolLM2-135M-Instruct"


@dataclass
class Cli:
    """`adapterctl` with ADAPTERCTL_SERVER and ADAPTERCTL_TOKEN set for the test server."""

    server: str
    token: str | None

    def with_token(self, token: str | None) -> Cli:
        """The same CLI with another token (None: no ADAPTERCTL_TOKEN at all)."""
        return replace(self, token=token)

    def run(self, *args: str, env: dict[str, str | None] | None = None) -> Result:
        environment = {"ADAPTERCTL_SERVER": self.server, "ADAPTERCTL_TOKEN": self.token, **(env or {})}
        return CliRunner().invoke(adapterctl, list(args), env=environment, prog_name="adapterctl")

    def ok(self, *args: str, **kwargs: Any) -> Result:
        result = self.run(*args, **kwargs)
        assert result.exit_code == 0, describe(result)
        return result

    def json(self, *args: str, **kwargs: Any) -> Any:
        """Run with `-o json`: exit 0 and exactly one JSON document on stdout."""
        return json.loads(self.ok("-o", "json", *args, **kwargs).stdout)

    def fails(self, *args: str, **kwargs: Any) -> str:
        """Run expecting a known error: exit 1, nothing on stdout; the stderr text."""
        result = self.run(*args, **kwargs)
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit), describe(result)
        assert result.stdout == "", describe(result)
        errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1, describe(result)
        return result.stderr


def describe(result: Result) -> str:
    text = f"exit {result.exit_code}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        text += "\n" + "".join(traceback.format_exception(result.exception))
    return text


def error_line(stderr: str) -> str:
    """The one `error: …` line (progress may come before it, a `hint: …` line after it)."""
    return next(line for line in stderr.splitlines() if line.startswith("error: "))


@pytest.fixture
def cli(control_plane: ControlPlane) -> Cli:
    return Cli(server=control_plane.url, token=control_plane.admin_token)


@pytest.fixture
def base_model(admin: httpx.Client) -> str:
    """SmolLM2-135M registered (idempotent: every test may ask for it)."""
    admin.post("/v1/base-models", json={"name": BASE_MODEL, "config": SMOLLM2_135M.to_dict()}).raise_for_status()
    return BASE_MODEL


@pytest.fixture
def model_config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**SMOLLM2_135M.to_dict(), "architectures": ["LlamaForCausalLM"]}))
    return path


@pytest.fixture
def adapter_dir(tmp_path: Path) -> Callable[..., Path]:
    """make_adapter(**knobs) in a fresh directory: valid unless a knob breaks it."""
    counter = iter(range(1_000_000))

    def make(**knobs: Any) -> Path:
        return make_adapter(tmp_path / f"adapter-{next(counter)}", **knobs)

    return make


def publish_via_api(admin: httpx.Client, ref: str, directory: Path, base_model: str = BASE_MODEL) -> dict[str, Any]:
    """Publish without adapterctl, for tests about something else."""
    tenant, adapter = ref.split("/")
    files = [("files", (f.name, (directory / f.name).read_bytes())) for f in digest_files(directory)]
    response = admin.post(
        f"/v1/adapters/{tenant}/{adapter}/versions",
        data={"metadata": json.dumps({"base_model": base_model})},
        files=files,
    )
    response.raise_for_status()
    return response.json()


@pytest.fixture
def two_versions(
    admin: httpx.Client, tenant: str, base_model: str, adapter_dir: Callable[..., Path]
) -> str:
    """`tenant/bot` with v1 (all the traffic of the default route: revision 1) and v2."""
    ref = f"{tenant}/bot"
    publish_via_api(admin, ref, adapter_dir(rank=4))
    publish_via_api(admin, ref, adapter_dir(rank=8))
    return ref
