"""Start real vLLM CPU servers for tests: plain, or as adapterplane workers.

Each start takes ~30-60 s on two cores, so tests share servers per session. A server that does
not come up fails the test with the tail of its log (never a skip).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

#: Generous: on a shared 2-core CI machine several servers start at once.
STARTUP_TIMEOUT_S = 600
#: Small enough for a 2-core, 24 GiB CI machine; the same for every server a test starts.
#: 256 MiB of KV cache holds ~11k SmolLM2 tokens, far more than any test keeps in flight;
#: VLLM_CPU_KVCACHE_SPACE (whole GiB only) would override it, so servers never inherit it.
CPU_ARGS = [
    "--gpu-memory-utilization", "0.5", "--max-model-len", "1024", "--max-num-seqs", "16",
    "--kv-cache-memory-bytes", str(256 * 1024**2),
]  # fmt: skip
CPU_ENV = {"VLLM_LOGGING_LEVEL": "INFO"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class VllmServer:
    command: list[str]
    env: dict[str, str]
    port: int
    log_path: Path
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> VllmServer:
        log = self.log_path.open("ab")
        env = {**os.environ, **CPU_ENV, **self.env}
        env.pop("VLLM_CPU_KVCACHE_SPACE", None)
        self.process = subprocess.Popen(
            self.command,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() takes the engine core too
        )
        return self

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT_S) -> VllmServer:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"vLLM exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(1)
        self.stop()
        raise RuntimeError(f"vLLM did not become healthy in {timeout:.0f}s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def restart(self) -> VllmServer:
        self.stop()
        return self.start().wait_ready()

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"


def worker_server(
    model: Path,
    served_name: str,
    log_path: Path,
    env: dict[str, str],
    *,
    control_plane: str | None = None,
    routing_table: Path | None = None,
    vllm_args: list[str] = (),
    port: int | None = None,
) -> VllmServer:
    """`adapterplane worker …` exactly as an operator runs it (not yet started)."""
    port = port or free_port()
    command = [sys.executable, "-m", "control_plane.cli.worker", "--model", str(model)]
    command += ["--served-model-name", served_name, "--port", str(port)]
    if control_plane:
        command += ["--control-plane", control_plane]
    if routing_table:
        command += ["--routing-table", str(routing_table)]
    command += ["--", *CPU_ARGS, *vllm_args]
    return VllmServer(command=command, env=env, port=port, log_path=log_path)


def plain_server(
    model: Path, served_name: str, log_path: Path, vllm_args: list[str] = (), env: dict[str, str] | None = None
) -> VllmServer:
    """vLLM's own server command, with no plugin unless `env` names one in VLLM_PLUGINS."""
    port = free_port()
    command = [sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model", str(model)]
    command += ["--served-model-name", served_name, "--port", str(port), "--host", "127.0.0.1"]
    return VllmServer(
        command=command + CPU_ARGS + list(vllm_args),
        env={"VLLM_PLUGINS": "", **(env or {})},
        port=port,
        log_path=log_path,
    )
