"""The local stack: a control plane (SQLite, file store, local mode) and one vLLM CPU worker
serving the SmolLM2 demo model, as child processes. Used by `adapterplane up` and the demo."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from control_plane.local.base_model import SERVED_NAME
from control_plane.settings import local_token

Progress = Callable[[str], None]

#: vLLM on this CPU: a small KV cache and memory share, so it starts on a laptop-class machine.
CPU_VLLM_ARGS = [
    "--max-model-len", "1024",
    "--gpu-memory-utilization", "0.4",
    "--max-loras", "2",
    "--max-cpu-loras", "4",
    "--max-lora-rank", "8",
]  # fmt: skip
CONTROL_PLANE_START_S = 60
WORKER_START_S = 600  # the first start compiles kernels; later ones take about 40 s


class StackError(RuntimeError):
    """The local stack cannot start; the message says what to do."""


@dataclass
class LocalStack:
    data_dir: Path
    control_plane_url: str
    worker_url: str
    admin_token_file: Path
    admin_token: str
    logs: Path


def ensure_port_free(port: int, what: str) -> None:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            raise StackError(
                f"port {port} for the {what} is taken (another adapterplane, or another server?); "
                f"stop it or pick another port"
            ) from None


def _spawn(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        # A process group of its own: stopping the stack stops vLLM's engine processes too.
        return subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """Stop the process and its whole group (vLLM's engine processes hold the port too)."""
    group = process.pid
    if process.poll() is None:
        _signal_group(group, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _signal_group(group, signal.SIGKILL)
            process.wait()
    deadline = time.monotonic() + timeout
    while _group_alive(group):
        if time.monotonic() > deadline:
            _signal_group(group, signal.SIGKILL)
            deadline = time.monotonic() + timeout
        time.sleep(0.2)


def _signal_group(group: int, sig: signal.Signals) -> None:
    try:
        os.killpg(group, sig)
    except ProcessLookupError:
        pass


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def _wait(check: Callable[[], bool], process: subprocess.Popen[bytes], timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
            raise StackError(f"the {what} exited (exit code {process.returncode}); last lines of {log}:\n{tail}")
        try:
            if check():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise StackError(f"the {what} did not become ready in {timeout:.0f}s; see {log}")


@contextmanager
def running_stack(
    base_model_dir: Path,
    data_dir: Path,
    control_plane_port: int = 8000,
    worker_port: int = 8100,
    progress: Progress = print,
) -> Iterator[LocalStack]:
    """Start the control plane and one worker; stop both (and vLLM's children) on exit."""
    ensure_port_free(control_plane_port, "control plane")
    ensure_port_free(worker_port, "vLLM worker")
    data_dir.mkdir(parents=True, exist_ok=True)
    logs = data_dir / "logs"
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("ADAPTERPLANE_")}
    store_url = (data_dir / "store").resolve().as_uri()
    cp_env = {
        **base_env,
        "ADAPTERPLANE_LOCAL_MODE": "true",
        "ADAPTERPLANE_DATA_DIR": str(data_dir),
        "ADAPTERPLANE_STORE_URL": store_url,
        "ADAPTERPLANE_RECONCILE_INTERVAL_S": "1",
        "ADAPTERPLANE_HEARTBEAT_INTERVAL_S": "2",
        "ADAPTERPLANE_WORKER_TIMEOUT_S": "15",
        "ADAPTERPLANE_LOG_LEVEL": "warning",
    }
    cp_url = f"http://127.0.0.1:{control_plane_port}"
    worker_url = f"http://127.0.0.1:{worker_port}"
    with ExitStack() as cleanup:
        progress(f"starting the control plane on {cp_url} (log: {logs / 'control-plane.log'})")
        cp = _spawn(
            [sys.executable, "-m", "control_plane.cli.server", "serve", "--port", str(control_plane_port)],
            cp_env,
            logs / "control-plane.log",
        )
        cleanup.callback(_stop, cp)
        _wait(lambda: httpx.get(f"{cp_url}/readyz", timeout=2).status_code == 200, cp, CONTROL_PLANE_START_S,
              "control plane", logs / "control-plane.log")
        # The control plane generated the tokens (local mode); read them where it keeps them.
        stack = LocalStack(data_dir, cp_url, worker_url, data_dir / "admin-token", local_token(data_dir, "admin"), logs)
        worker_env = {
            **base_env,
            "ADAPTERPLANE_WORKER_TOKEN": local_token(data_dir, "worker"),
            "ADAPTERPLANE_DATA_DIR": str(data_dir / "worker"),
            "ADAPTERPLANE_STORE_URL": store_url,
            "ADAPTERPLANE_CACHE_DIR": str(data_dir / "worker" / "cache"),
            "ADAPTERPLANE_ADVERTISE_URL": worker_url,
            "VLLM_CPU_KVCACHE_SPACE": os.environ.get("VLLM_CPU_KVCACHE_SPACE", "1"),
        }
        progress(f"starting a vLLM CPU worker on {worker_url} (about a minute; log: {logs / 'worker.log'})")
        worker = _spawn(
            [sys.executable, "-m", "control_plane.cli.server", "worker", "--control-plane", cp_url,
             "--model", str(base_model_dir), "--served-model-name", SERVED_NAME, "--port", str(worker_port),
             "--", *CPU_VLLM_ARGS],
            worker_env,
            logs / "worker.log",
        )
        cleanup.callback(_stop, worker)
        headers = {"authorization": f"Bearer {stack.admin_token}"}
        _wait(
            lambda: any(
                w["url"] == worker_url and w["state"] == "live"
                for w in httpx.get(f"{cp_url}/v1/workers", headers=headers, timeout=5).json()
            ),
            worker,
            WORKER_START_S,
            "vLLM worker",
            logs / "worker.log",
        )
        progress("the stack is up")
        try:
            yield stack
        finally:
            progress("stopping the worker and the control plane")
