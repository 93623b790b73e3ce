"""`adapterctl rollout …`, `pin` and `unpin` against the real control plane (no workers: the
controller waits for traffic, so every state change here is the CLI's)."""

from __future__ import annotations

import httpx
import pytest

from tests.control_plane.cli.adapterctl.conftest import Cli, error_line
from tests.control_plane.cli.adapterctl.test_routes import recorded


def test_start_status_pause_resume_promote(cli: Cli, two_versions: str) -> None:
    ref = two_versions
    started = cli.ok("rollout", "start", ref, "--to", "v2", "--steps", "20,100", "--interval", "1h")
    assert started.stdout.startswith(f"{ref} rollout ") and "v2 at 20%, baseline v1" in started.stdout
    assert recorded(cli, ref)[0][1] == {1: 80, 2: 20}
    status = cli.json("rollout", "status", ref)
    assert (status["state"], status["current_percent"], status["steps"]) == ("running", 20, [20, 100])
    assert "20%" in cli.ok("rollout", "status", ref).stdout
    assert cli.json("rollout", "pause", ref)["state"] == "paused"
    assert cli.json("rollout", "resume", ref)["state"] == "running"
    promoted = cli.ok("rollout", "promote", ref, "--reason", "looks great")
    assert "promoted (succeeded)" in promoted.stdout
    assert recorded(cli, ref)[0][1] == {2: 100}


def test_abort_sends_all_traffic_back_to_the_baseline(cli: Cli, two_versions: str) -> None:
    ref = two_versions
    cli.ok("rollout", "start", ref, "--to", "v2", "--interval", "1h")
    assert "aborted (aborted)" in cli.ok("rollout", "abort", ref, "--reason", "support tickets").stdout
    assert recorded(cli, ref)[0][1] == {1: 100}
    assert cli.json("rollout", "status", ref)["reason"] == "support tickets"
    events = cli.json("audit", "--tenant", ref.split("/")[0])
    assert {"rollout.start", "rollout.abort"} <= {e["action"] for e in events}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--to", "v2", "--steps", "10,50"], "must end at 100"),
        (["--to", "v2", "--steps", "50,10,100"], "increasing"),
        (["--to", "v2", "--steps", "a,b"], "invalid --steps"),
        (["--to", "two"], "invalid version 'two'"),
        (["--to", "v2", "--interval", "soon"], "invalid duration"),
        (["--to", "v2", "--max-error-rate", "2"], "max-error-rate"),
    ],
)
def test_bad_rollout_arguments_fail_before_any_request(cli: Cli, two_versions: str, args: list[str], message: str) -> None:
    stderr = cli.fails("rollout", "start", two_versions, *args)
    assert message in stderr
    assert len(recorded(cli, two_versions)) == 1


def test_refusals_from_the_server_leave_the_route_alone(cli: Cli, two_versions: str) -> None:
    ref = two_versions
    assert "no version" in error_line(cli.fails("rollout", "start", ref, "--to", "v9")) or "does not exist" in error_line(
        cli.fails("rollout", "start", ref, "--to", "v9")
    )
    assert "already takes all traffic" in cli.fails("rollout", "start", ref, "--to", "v1")
    assert "no rollouts" in cli.fails("rollout", "status", ref)
    assert "no rollout in progress" in cli.fails("rollout", "pause", ref)
    assert len(recorded(cli, ref)) == 1
    cli.ok("rollout", "start", ref, "--to", "v2", "--interval", "1h")
    assert "already has a rollout in progress" in cli.fails("rollout", "start", ref, "--to", "v2")
    assert "not paused" in cli.fails("rollout", "resume", ref)
    assert len(recorded(cli, ref)) == 2


def test_a_tenant_key_cannot_roll_out_another_tenants_adapter(cli: Cli, two_versions: str, admin: httpx.Client) -> None:
    other = two_versions.split("/")[0] + "-other"
    admin.post("/v1/tenants", json={"name": other}).raise_for_status()
    key = admin.post(f"/v1/tenants/{other}/keys", json={}).json()["key"]
    assert "belongs to tenant" in cli.with_token(key).fails("rollout", "start", two_versions, "--to", "v2")
    assert len(recorded(cli, two_versions)) == 1


def test_pin_and_unpin(cli: Cli, two_versions: str) -> None:
    assert cli.ok("pin", f"{two_versions}:v2").stdout == f"{two_versions}:v2 pinned\n"
    assert cli.json("versions", "show", f"{two_versions}:v2")["pinned"] is True
    assert cli.json("unpin", f"{two_versions}:v2")["pinned"] is False
    assert "invalid version" in cli.fails("pin", two_versions)
    assert "does not exist" in cli.fails("pin", f"{two_versions}:v7")
