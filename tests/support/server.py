"""Run `adapterplane serve` as a real subprocess on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ADMIN_TOKEN = "test-admin-token-0123456789"
WORKER_TOKEN = "test-worker-token-0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ControlPlane:
    url: str
    admin_token: str
    worker_token: str
    database_url: str
    store_url: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    log_path: Path

    def client(self, token: str | None = None) -> httpx.Client:
        return httpx.Client(
            base_url=self.url,
            headers={"authorization": f"Bearer {token or self.admin_token}"},
            timeout=60,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def server_env(database_url: str, store_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADAPTERPLANE_")}
    env.update(
        ADAPTERPLANE_DATABASE_URL=database_url,
        ADAPTERPLANE_STORE_URL=store_url,
        ADAPTERPLANE_DATA_DIR=str(data_dir),
        ADAPTERPLANE_ADMIN_TOKEN=ADMIN_TOKEN,
        ADAPTERPLANE_WORKER_TOKEN=WORKER_TOKEN,
        ADAPTERPLANE_LOG_LEVEL="warning",
        **extra,
    )
    return env


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "control_plane.cli.server", "migrate"], env=env, check=True, capture_output=True
    )


@contextmanager
def running_control_plane(
    database_url: str, data_dir: Path, store_url: str | None = None, **extra_env: str
) -> Iterator[ControlPlane]:
    data_dir.mkdir(parents=True, exist_ok=True)
    store_url = store_url or (data_dir / "store").as_uri()
    env = server_env(database_url, store_url, data_dir, **extra_env)
    migrate(env)
    port = free_port()
    log_path = data_dir / f"control-plane-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "control_plane.cli.server", "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    plane = ControlPlane(
        url=f"http://127.0.0.1:{port}",
        admin_token=ADMIN_TOKEN,
        worker_token=WORKER_TOKEN,
        database_url=database_url,
        store_url=store_url,
        data_dir=data_dir,
        process=process,
        log_path=log_path,
    )
    try:
        wait_ready(plane)
        yield plane
    finally:
        stop_process(process)


def wait_ready(plane: ControlPlane, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if plane.process.poll() is not None:
            raise RuntimeError(f"control plane exited:\n{plane.log()}")
        try:
            if httpx.get(f"{plane.url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"control plane not ready after {timeout}s:\n{plane.log()}")


def stop_process(process: subprocess.Popen) -> None:
    """Terminate a server the tests started; kill it if it has not exited within 15 s."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
