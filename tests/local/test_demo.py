"""README's first command runs `python -m control_plane.local.demo`: run it for real here."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.server import free_port

ROOT = Path(__file__).resolve().parents[2]


def run_demo(tmp_path: Path, port: int, worker_port: int, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "control_plane.local.demo", "--data-dir", str(tmp_path / "demo"),
         "--port", str(port), "--worker-port", str(worker_port)],
        cwd=ROOT, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def test_a_taken_port_fails_at_once_with_a_clear_message(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_demo(tmp_path, port, free_port(), timeout=60)
    assert done.returncode == 1
    assert f"port {port} for the control plane is taken" in done.stderr
    assert not (tmp_path / "demo").exists()


@pytest.mark.vllm
def test_the_demo_walks_the_whole_lifecycle(tmp_path: Path) -> None:
    done = run_demo(tmp_path, free_port(), free_port(), timeout=1500)
    out = done.stdout
    assert done.returncode == 0, out[-3000:] + done.stderr[-3000:]
    # Publish, and real answers in each adapter's style.
    assert "acme/support-bot:v1 published" in out and "acme/support-bot:v2 published" in out
    assert "[pirate] Ahoy" in out and "[caps] I ONLY ANSWER" in out
    # The sticky split.
    assert "split set to v1=80 v2=20" in out and "same users, same versions: yes" in out
    # The broken canary rolled itself back, with the reason.
    assert "state:      rolled_back" in out and "does not match its recorded sha256" in out
    # The manual rollback and the audit trail.
    assert "rolled back to revision 1" in out and "acme/support-bot is ready" in out
    assert "rollout.rollback" in out and "route.rollback" in out
    after_manual = out.split("after the manual rollback")[1].split("== 6.")[0]
    assert "acme/support-bot:v1: 20" in after_manual
    assert "demo finished" in out
