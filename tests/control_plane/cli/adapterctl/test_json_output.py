"""With `-o json`, every command prints exactly one JSON document on stdout (and only that)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.control_plane.cli.adapterctl.conftest import Cli, describe
from tests.control_plane.cli.adapterctl.test_main import leaf_commands
from tests.control_plane.conftest import unique_name


@dataclass
class World:
    """A tenant with an adapter of two versions, a key, and files to publish and register."""

    ref: str
    tenant: str
    key_id: str
    adapter_dir: Path
    model_config: Path
    base_model: str


@pytest.fixture
def world(
    cli: Cli, two_versions: str, adapter_dir: Callable[..., Path], model_config_file: Path, base_model: str
) -> World:
    tenant = two_versions.split("/")[0]
    return World(
        ref=two_versions,
        tenant=tenant,
        key_id=cli.json("keys", "create", tenant)["key_id"],
        adapter_dir=adapter_dir(),
        model_config=model_config_file,
        base_model=base_model,
    )


#: Each command, with arguments that succeed in `world`.
COMMANDS: dict[tuple[str, ...], Callable[[World], list[str]]] = {
    ("tenants", "create"): lambda w: [unique_name("json")],
    ("tenants", "list"): lambda w: [],
    ("keys", "create"): lambda w: [w.tenant],
    ("keys", "list"): lambda w: [w.tenant],
    ("keys", "revoke"): lambda w: [w.tenant, w.key_id],
    ("base-models", "add"): lambda w: [unique_name("model"), "--config", str(w.model_config)],
    ("base-models", "list"): lambda w: [],
    ("base-models", "show"): lambda w: [w.base_model],
    ("publish",): lambda w: [w.ref, str(w.adapter_dir), "--base-model", w.base_model],
    ("adapters", "list"): lambda w: ["--tenant", w.tenant],
    ("adapters", "show"): lambda w: [w.ref],
    ("versions", "list"): lambda w: [w.ref],
    ("versions", "show"): lambda w: [f"{w.ref}:v2"],
    ("versions", "deprecate"): lambda w: [f"{w.ref}:v1"],
    ("split", "set"): lambda w: [w.ref, "v1=90", "v2=10", "--wait"],
    ("history",): lambda w: [w.ref],
    ("rollback",): lambda w: [w.ref, "--to-revision", "1"],
    ("routes", "list"): lambda w: [w.ref],
    ("rollout", "start"): lambda w: [w.ref, "--to", "v2", "--interval", "1h"],
    ("rollout", "status"): lambda w: [w.ref],
    ("rollout", "pause"): lambda w: [w.ref],
    ("rollout", "resume"): lambda w: [w.ref],
    ("rollout", "promote"): lambda w: [w.ref],
    ("rollout", "abort"): lambda w: [w.ref, "--reason", "json test"],
    ("pin",): lambda w: [f"{w.ref}:v1"],
    ("unpin",): lambda w: [f"{w.ref}:v1"],
    ("status",): lambda w: [w.ref],
    ("workers", "list"): lambda w: [],
    ("audit",): lambda w: ["--tenant", w.tenant, "--since", "1h"],
}


def test_every_command_is_covered() -> None:
    assert set(COMMANDS) == set(leaf_commands())


#: What must have happened before the command can succeed.
PREPARE: dict[tuple[str, ...], Callable[[World], list[list[str]]]] = {
    ("rollback",): lambda w: [["split", "set", w.ref, "v2=100"]],
    ("unpin",): lambda w: [["pin", f"{w.ref}:v1"]],
    **{
        ("rollout", action): lambda w: [["rollout", "start", w.ref, "--to", "v2", "--interval", "1h"]]
        for action in ("status", "pause", "promote", "abort")
    },
    ("rollout", "resume"): lambda w: [
        ["rollout", "start", w.ref, "--to", "v2", "--interval", "1h"],
        ["rollout", "pause", w.ref],
    ],
}


@pytest.mark.parametrize("path", COMMANDS, ids=lambda path: " ".join(path))
def test_json_output_is_one_document(cli: Cli, world: World, path: tuple[str, ...]) -> None:
    for step in PREPARE.get(path, lambda w: [])(world):
        cli.ok(*step)
    result = cli.run("-o", "json", *path, *COMMANDS[path](world))
    assert result.exit_code == 0, describe(result)
    document = json.loads(result.stdout)  # one document, nothing else around it
    assert isinstance(document, (dict, list))
