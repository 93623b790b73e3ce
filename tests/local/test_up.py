"""`adapterplane up`: the local stack kept running, with what to try printed, and Ctrl-C stops it."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.server import free_port


def up(tmp_path: Path, port: int, worker_port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "control_plane.cli.server", "up", "--data-dir", str(tmp_path / "stack"),
         "--port", str(port), "--worker-port", str(worker_port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_a_taken_worker_port_is_refused(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = up(tmp_path, free_port(), port)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 1
    assert f"error: port {port} for the vLLM worker is taken" in stderr


@pytest.mark.vllm
def test_up_serves_until_interrupted(tmp_path: Path) -> None:
    port, worker_port = free_port(), free_port()
    process = up(tmp_path, port, worker_port)
    try:
        banner = ""
        deadline = time.monotonic() + 900
        while "Ctrl-C stops everything" not in banner:
            line = process.stdout.readline()
            assert line or process.poll() is None, process.stderr.read()[-3000:]
            assert time.monotonic() < deadline, "adapterplane up did not come up"
            banner += line
        token_file = tmp_path / "stack" / "admin-token"
        assert f"control plane  http://127.0.0.1:{port}" in banner and str(token_file) in banner
        assert f"curl http://127.0.0.1:{worker_port}/v1/chat/completions" in banner
        token = token_file.read_text().strip()
        workers = httpx.get(f"http://127.0.0.1:{port}/v1/workers", headers={"authorization": f"Bearer {token}"}).json()
        assert [w["state"] for w in workers] == ["live"]
        assert httpx.get(f"http://127.0.0.1:{worker_port}/health").status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=120)
    for url in (f"http://127.0.0.1:{port}/healthz", f"http://127.0.0.1:{worker_port}/health"):
        with pytest.raises(httpx.ConnectError):
            httpx.get(url, timeout=2)
