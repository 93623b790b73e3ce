"""Global behaviour: where adapterctl connects, which token it sends, how it fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from control_plane.cli.adapterctl import cli as adapterctl
from tests.control_plane.cli.adapterctl.conftest import Cli, error_line
from tests.support.server import free_port


def leaf_commands(group: click.Group = adapterctl, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], click.Command]:
    found: dict[tuple[str, ...], click.Command] = {}
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found.update(leaf_commands(command, (*path, name)))
        else:
            found[(*path, name)] = command
    return found


def all_commands(group: click.Group = adapterctl, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [path]
    for name, command in group.commands.items():
        paths += all_commands(command, (*path, name)) if isinstance(command, click.Group) else [(*path, name)]
    return paths


@pytest.mark.parametrize("path", all_commands(), ids=lambda path: " ".join(path) or "adapterctl")
def test_every_help_has_examples(path: tuple[str, ...]) -> None:
    result = Cli(server="http://unused", token=None).run(*path, "--help")
    assert result.exit_code == 0
    examples = result.stdout.split("Examples:\n", 1)[1]
    assert f"adapterctl {' '.join(path)}".rstrip() in examples


def dead_server() -> str:
    return f"http://127.0.0.1:{free_port()}"


def test_flags_override_the_environment(cli: Cli) -> None:
    dead = dead_server()
    # --server beats ADAPTERCTL_SERVER, before the command or after it.
    assert cli.run("--server", cli.server, "tenants", "list", env={"ADAPTERCTL_SERVER": dead}).exit_code == 0
    assert cli.run("tenants", "list", "--server", cli.server, env={"ADAPTERCTL_SERVER": dead}).exit_code == 0
    # ... and a flag after the command beats one before it.
    assert cli.run("--server", dead, "tenants", "list", "--server", cli.server).exit_code == 0
    # --token beats ADAPTERCTL_TOKEN.
    wrong = cli.with_token("not-the-token")
    assert wrong.run("--token", cli.token or "", "tenants", "list").exit_code == 0
    assert error_line(cli.fails("--token", "not-the-token", "tenants", "list")) == (
        "error: invalid, revoked or unknown API key"
    )
    # -o works in both places.
    assert cli.json("tenants", "list") == cli.json("tenants", "list", "-o", "table", "-o", "json")


def test_the_environment_overrides_the_default(cli: Cli) -> None:
    server = next(p for p in adapterctl.params if p.name == "server")
    assert server.default == "http://127.0.0.1:8000" and server.envvar == "ADAPTERCTL_SERVER"
    assert cli.run("tenants", "list").exit_code == 0  # only ADAPTERCTL_SERVER names the test server


def test_an_unreachable_server_is_one_error_naming_it() -> None:
    dead = dead_server()
    result = Cli(server=dead, token="t").run("-o", "json", "tenants", "list")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: cannot connect to the control plane at {dead}",
        "hint: is 'adapterplane serve' running there? set ADAPTERCTL_SERVER (or --server)",
    ]


def test_no_token_hints_at_adapterctl_token(cli: Cli) -> None:
    stderr = cli.with_token(None).fails("tenants", "list")
    assert stderr.splitlines() == [
        "error: missing credentials: send 'Authorization: Bearer <token>'",
        "hint: set ADAPTERCTL_TOKEN (or --token) to the admin token or a tenant API key",
    ]


def test_usage_errors_are_error_lines_with_exit_1(cli: Cli) -> None:
    assert cli.fails("tenants", "frobnicate").splitlines() == [
        "error: No such command 'frobnicate'.",
        "hint: see 'adapterctl tenants --help'",
    ]
    assert error_line(cli.fails("publish", "acme/bot", "./dir")) == "error: Missing option '--base-model'."
    assert error_line(cli.fails("-o", "yaml", "tenants", "list")) == (
        "error: Invalid value for '-o' / '--output': 'yaml' is not one of 'table', 'json'."
    )


def test_a_bare_group_prints_its_help() -> None:
    result = Cli(server="http://unused", token=None).run("split")
    assert result.exit_code == 0 and result.stdout.startswith("Usage: adapterctl split")


def test_the_installed_command(cli: Cli) -> None:
    """The console script (pyproject: adapterctl = control_plane.cli.adapterctl:main), as users run it."""
    command = str(Path(sys.executable).parent / "adapterctl")
    env = {**os.environ, "ADAPTERCTL_SERVER": cli.server, "ADAPTERCTL_TOKEN": cli.token or ""}
    listed = subprocess.run([command, "-o", "json", "tenants", "list"], env=env, capture_output=True, text=True)
    assert listed.returncode == 0 and isinstance(json.loads(listed.stdout), list), listed.stderr
    refused = subprocess.run([command, "tenants", "create", "Bad"], env=env, capture_output=True, text=True)
    assert (refused.returncode, refused.stdout) == (1, "")
    assert refused.stderr.startswith("error: invalid tenant name 'Bad'")
