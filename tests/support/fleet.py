"""A fleet for the fleet-control tests and benchmarks: control-plane replicas on one database and
one store, real vLLM CPU workers registered with them, adapterctl run as a user runs it, and the
probes those tests need (answers by worker, switch-over times, the reconciler lease holder,
corrupted artifacts).
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Self
from urllib.parse import urlparse

import httpx
import openai
import psutil
import psycopg
from sqlalchemy.engine import make_url

from control_plane.local.assets import Assets
from control_plane.local.base_model import SERVED_NAME
from control_plane.local.styles import style_of
from control_plane.reconciler.lease import LOCK_ID
from control_plane.workers.protocol import ADMIN_PREFIX
from tests.support.server import ControlPlane, running_control_plane
from tests.support.vllm_server import VllmServer, worker_server

#: Fleet timings short enough for tests: a pass every 0.5 s, heartbeats every second, and a
#: worker silent for 6 s is lost.
FAST_FLEET_ENV = {
    "ADAPTERPLANE_RECONCILE_INTERVAL_S": "0.5",
    "ADAPTERPLANE_HEARTBEAT_INTERVAL_S": "1",
    "ADAPTERPLANE_WORKER_TIMEOUT_S": "6",
}
#: Every adapter published on a shared base model stays wanted (serving or warm), so shared
#: workers get room for all of a session's adapters.
ROOMY_WORKER_ARGS = ("--max-lora-rank", "8", "--max-loras", "4", "--max-cpu-loras", "16")
QUESTION = [{"role": "user", "content": "What is a good name for a cat?"}]
#: Enough tokens for `style_of` to tell every demo style apart (greedy decoding).
ANSWER_TOKENS = 12


@dataclass(frozen=True)
class WorkerSpec:
    name: str
    served_name: str = SERVED_NAME
    vllm_args: tuple[str, ...] = ROOMY_WORKER_ARGS


def fleet_worker(assets: Assets, plane: ControlPlane, spec: WorkerSpec, directory: Path) -> VllmServer:
    """A worker that registers with `plane` under `spec.name` and fetches from its store (not started)."""
    directory.mkdir(parents=True, exist_ok=True)
    env = {
        "ADAPTERPLANE_WORKER_TOKEN": plane.worker_token,
        "ADAPTERPLANE_WORKER_NAME": spec.name,
        "ADAPTERPLANE_DATA_DIR": str(directory),
        "ADAPTERPLANE_STORE_URL": plane.store_url,
        "ADAPTERPLANE_TABLE_POLL_SECONDS": "2",
    }
    return worker_server(
        assets.base_model,
        spec.served_name,
        directory / f"{spec.name}.log",
        env,
        control_plane=plane.url,
        vllm_args=list(spec.vllm_args),
    )


def kill_hard(server: VllmServer) -> None:
    """`kill -9` a worker's whole process group (API server and engine core), as a crash would."""
    os.killpg(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=30)


class Adapterctl:
    """The `adapterctl` console script installed beside this interpreter, run as a subprocess."""

    def __init__(self, server: str, token: str) -> None:
        self.server = server
        self.token = token

    def run(self, *args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(Path(sys.executable).parent / "adapterctl"), "--server", self.server, *args],
            env={**os.environ, "ADAPTERCTL_TOKEN": self.token},
            check=False,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"adapterctl {' '.join(args)} exited {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
            )
        return done

    def json(self, *args: str) -> Any:
        """Run with `-o json` and return the document it prints."""
        return json.loads(self.run("-o", "json", *args).stdout)

    def against(self, plane: ControlPlane) -> Adapterctl:
        return Adapterctl(plane.url, self.token)


@dataclass
class Fleet:
    """Control-plane replicas on one database and store, and workers registered with `plane`."""

    assets: Assets
    database_url: str
    plane: ControlPlane  # what the workers and adapterctl talk to
    peer: ControlPlane | None  # a second replica, started first: it holds the lease at first
    workers: dict[str, VllmServer]
    ctl: Adapterctl

    def create_tenant(self, tenant: str) -> str:
        """Create a tenant and return a new API key of it."""
        self.ctl.run("tenants", "create", tenant)
        return self.ctl.json("keys", "create", tenant, "--name", "fleet")["key"]

    def publish(self, adapter: str, style: str, base_model: str = SERVED_NAME) -> dict[str, Any]:
        """Publish the demo adapter answering in `style` as the next version of `adapter`."""
        return self.ctl.json("publish", adapter, str(self.assets.adapters[style]), "--base-model", base_model)

    def worker_states(self) -> dict[str, str]:
        return {worker["name"]: worker["state"] for worker in self.ctl.json("workers", "list")}


@contextmanager
def running_fleet(
    assets: Assets, root: Path, database_url: str, workers: Iterable[WorkerSpec], peer: bool = False
) -> Iterator[Fleet]:
    """A control plane with `workers` registered with it and live. With `peer`, a second
    replica on the same database and store starts first and takes the reconciler lease."""
    store_url = (root / "store").as_uri()
    specs = list(workers)
    with ExitStack() as stack:
        standby = None
        if peer:
            standby = stack.enter_context(running_control_plane(database_url, root / "peer", store_url, **FAST_FLEET_ENV))
            wait_for(lambda: lease_holders(database_url, [standby]), "the first replica to take the lease", 30)
        plane = stack.enter_context(running_control_plane(database_url, root / "plane", store_url, **FAST_FLEET_ENV))
        servers = {spec.name: fleet_worker(assets, plane, spec, root / spec.name) for spec in specs}
        for server in servers.values():
            stack.callback(server.stop)
            server.start()
        for server in servers.values():
            server.wait_ready()
        fleet = Fleet(assets, database_url, plane, standby, servers, Adapterctl(plane.url, plane.admin_token))
        wait_for(
            lambda: all(fleet.worker_states().get(name) == "live" for name in servers), "the workers to register", 60
        )
        yield fleet


# --- answers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    version: str  # the x-adapter-version header
    text: str

    @property
    def style(self) -> str | None:
        return style_of(self.text)


@cache
def _openai_client(url: str, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0, timeout=300)


def ask(worker: VllmServer, key: str, model: str, user: str | None = None, max_tokens: int = ANSWER_TOKENS) -> Answer:
    """One greedy chat completion through the worker's OpenAI API, with a tenant key."""
    extra = {"user": user} if user else {}
    raw = _openai_client(worker.url, key).chat.completions.with_raw_response.create(
        model=model, messages=QUESTION, temperature=0, max_tokens=max_tokens, **extra
    )
    return Answer(version=raw.headers.get("x-adapter-version", ""), text=raw.parse().choices[0].message.content or "")


def ask_all(workers: Iterable[VllmServer], key: str, model: str, users: Iterable[str]) -> list[dict[str, Answer]]:
    """For each worker, user → answer (asked concurrently)."""
    users = list(users)
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [{user: pool.submit(ask, worker, key, model, user) for user in users} for worker in workers]
        return [{user: future.result() for user, future in by_user.items()} for by_user in futures]


class Traffic:
    """Users asking `model` from background threads (one per worker listed; list a worker
    twice for two), each request as a new user, until the block ends. Every answer is kept;
    the first failed request stops the traffic and is raised by `check()` and at the end."""

    def __init__(self, workers: Iterable[VllmServer], key: str, model: str) -> None:
        self.workers = list(workers)
        self.key = key
        self.model = model
        self.answers: list[Answer] = []
        self.failure: BaseException | None = None
        self._users = itertools.count()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._send, args=(w,), daemon=True) for w in self.workers]

    def __enter__(self) -> Self:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=600)
        self.check()

    def check(self) -> None:
        if self.failure is not None:
            raise AssertionError(f"a request failed during the traffic: {self.failure!r}") from self.failure

    def wait_for(self, condition: Callable[[], Any], what: str, timeout: float = 180) -> Any:
        """`wait_for`, stopping at once if a request fails meanwhile."""
        return wait_for(lambda: self.check() or condition(), what, timeout)

    def _send(self, worker: VllmServer) -> None:
        while not self._stop.is_set() and self.failure is None:
            try:
                self.answers.append(ask(worker, self.key, self.model, user=f"user-{next(self._users)}"))
            except BaseException as exc:  # noqa: BLE001 - reported by check()
                self.failure = exc


@dataclass(frozen=True)
class Probe:
    sent: float  # seconds after the reference instant
    answer: Answer


#: When `probe_switch` sends requests: every 0.1 s for 1.5 s.
PROBE_OFFSETS = tuple(round(0.1 * tick, 1) for tick in range(16))


def probe_switch(
    workers: Iterable[VllmServer], key: str, model: str, since: float, offsets: Iterable[float] = PROBE_OFFSETS
) -> list[list[Probe]]:
    """Per worker, the answers to requests sent `offsets` seconds after `since` (a
    `time.monotonic()` instant). Requests are sent on schedule without waiting for earlier
    answers, so the time resolution does not depend on how long the model takes to answer:
    a request's version is chosen when the worker receives it."""
    workers, offsets = list(workers), sorted(offsets)
    results: list[list[Probe]] = [[] for _ in workers]
    lock = threading.Lock()

    def send(index: int, worker: VllmServer, tick: int) -> None:
        sent = time.monotonic() - since
        answer = ask(worker, key, model, user=f"probe-{tick}")
        with lock:
            results[index].append(Probe(sent, answer))

    with ThreadPoolExecutor(max_workers=len(offsets) * len(workers)) as pool:
        futures = []
        for tick, offset in enumerate(offsets):
            delay = since + offset - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            futures += [pool.submit(send, index, worker, tick) for index, worker in enumerate(workers)]
        for future in futures:
            future.result()
    return [sorted(probes, key=lambda p: p.sent) for probes in results]


def switch_time(probes: list[Probe], version: str) -> float | None:
    """When requests started coming back from `version` for good: the send time of the first
    probe from which on every probe came back from it (None if the last one did not)."""
    switched = None
    for probe in probes:
        if probe.answer.version != version:
            switched = None
        elif switched is None:
            switched = probe.sent
    return switched


# --- the control plane's and the workers' view ---------------------------------------------


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 180, interval: float = 0.5) -> Any:
    """Poll `condition` until it returns something truthy, and return that."""
    deadline = time.monotonic() + timeout
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def loaded_by_worker(status: dict[str, Any]) -> dict[str, set[str]]:
    """From `adapterctl -o json status`: worker name → the adapter's versions loaded there."""
    return {
        worker["name"]: {v["version"] for v in worker["versions"] if v["state"] == "loaded"}
        for worker in status["workers"]
    }


def engine_holds(worker: VllmServer, worker_token: str) -> set[str]:
    """What the worker's engine really holds, asked the way the reconciler asks it."""
    response = httpx.get(
        f"{worker.url}{ADMIN_PREFIX}/loaded", headers={"authorization": f"Bearer {worker_token}"}, timeout=30
    )
    response.raise_for_status()
    return set(response.json()["loaded"])


def corrupt_stored_weights(artifact_uri: str) -> Path:
    """Storage corruption after publish: the stored weights no longer match their digest."""
    weights = Path(urlparse(artifact_uri).path) / "adapter_model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-64:] = bytes(byte ^ 0xFF for byte in data[-64:])
    weights.write_bytes(bytes(data))
    return weights


def lease_holders(database_url: str, planes: Iterable[ControlPlane]) -> list[ControlPlane]:
    """The control planes holding the reconciler lease: those whose process owns the
    PostgreSQL connection that holds advisory lock `LOCK_ID` in this database."""
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as connection:
        rows = connection.execute(
            "SELECT a.client_port FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND l.classid::text::bigint = %s AND l.objid::text::bigint = %s",
            (LOCK_ID >> 32, LOCK_ID & 0xFFFFFFFF),
        ).fetchall()
    ports = {port for (port,) in rows}
    holders = []
    for plane in planes:
        try:
            connections = psutil.Process(plane.process.pid).net_connections(kind="tcp")
        except psutil.NoSuchProcess:
            continue
        if any(connection.laddr.port in ports for connection in connections):
            holders.append(plane)
    return holders
