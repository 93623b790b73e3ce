"""Session fixtures for real-vLLM worker tests. Every vLLM server of the session starts once,
all together (each start costs ~40 s on two cores):

- `table_worker` serves from a hand-written routing-table file alone (no control plane);
- `control_plane_deployment`: a real control plane (`adapterplane serve`, SQLite, file store)
  with two workers registered to it, and adapters published and split through its REST API.
  The first runs `adapterplane worker` (endpoint plugin); the second is attached the way the
  worker command does it on vLLM releases without endpoint plugins (`--middleware`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from control_plane.cli.worker import LEGACY_MIDDLEWARE
from control_plane.local.base_model import SERVED_NAME
from vllm_plugin.config import LISTEN_PORT_VARIABLE
from tests.support.assets import TableBuilder, demo_assets, publish
from tests.support.server import ControlPlane, running_control_plane
from tests.support.vllm_server import VllmServer, plain_server, worker_server

WORKER_TOKEN = "vllm-test-worker-token-0123456789"
WORKER_ARGS = ["--max-lora-rank", "8", "--max-loras", "2", "--max-cpu-loras", "3"]


@dataclass
class Deployment:
    """What the workers serve: tenant keys, the table, and where things live."""

    store: Path
    table_file: Path
    builder: TableBuilder
    keys: dict[str, str]


@pytest.fixture(scope="session")
def assets():
    return demo_assets()


@pytest.fixture(scope="session")
def deployment(assets, tmp_path_factory) -> Deployment:
    """acme/bot v1 pirate, v2 caps, v3 codeword (default 70/30 v1/v2, @staging v3);
    globex/helper v1; acme/broken v1, whose weights in the store no longer match their digest."""
    root = tmp_path_factory.mktemp("deployment")
    store = root / "store"
    builder = TableBuilder(base_model=SERVED_NAME)
    keys = {tenant: builder.tenant(tenant) for tenant in ("acme", "globex")}
    for number, style in ((1, "pirate"), (2, "caps"), (3, "codeword")):
        builder.version("acme", "bot", publish(store, "acme", "bot", number, assets.adapters[style]))
    builder.version("globex", "helper", publish(store, "globex", "helper", 1, assets.adapters["codeword"]))
    builder.version("acme", "broken", publish(store, "acme", "broken", 1, assets.adapters["pirate"]))
    _flip_last_byte(next((store / "adapters" / "acme" / "broken").rglob("adapter_model.safetensors")))
    builder.route("acme", "bot", {1: 70, 2: 30})
    builder.route("acme", "bot", {3: 100}, name="staging")
    builder.route("globex", "helper", {1: 100})
    builder.route("acme", "broken", {1: 100})
    table_file = root / "routing-table.json"
    table_file.write_text(builder.build().model_dump_json())
    return Deployment(store=store, table_file=table_file, builder=builder, keys=keys)


def _flip_last_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))


def _worker_env(data_dir: Path, store_url: str, token: str) -> dict[str, str]:
    return {
        "ADAPTERPLANE_WORKER_TOKEN": token,
        "ADAPTERPLANE_DATA_DIR": str(data_dir),
        "ADAPTERPLANE_STORE_URL": store_url,
        "ADAPTERPLANE_TABLE_POLL_SECONDS": "2",
    }


@dataclass
class ControlPlaneDeployment:
    """A real control plane with two workers registered to it, and what was published there."""

    plane: ControlPlane
    workers: list[VllmServer]
    keys: dict[str, str]

    def admin(self) -> httpx.Client:
        return self.plane.client()


@pytest.fixture(scope="session")
def _servers(assets, deployment, tmp_path_factory) -> Iterator[dict]:
    """Every vLLM server of the session, started together: the table-file worker, and two
    workers of a real control plane."""
    logs = tmp_path_factory.mktemp("worker-logs")
    cp_data = tmp_path_factory.mktemp("control-plane")
    with running_control_plane(f"sqlite:///{cp_data / 'cp.db'}", cp_data) as plane:
        table_worker = worker_server(
            assets.base_model,
            SERVED_NAME,
            logs / "table-worker.log",
            _worker_env(tmp_path_factory.mktemp("table-worker"), deployment.store.resolve().as_uri(), WORKER_TOKEN),
            routing_table=deployment.table_file,
            vllm_args=WORKER_ARGS,
        )
        cp_env = {"ADAPTERPLANE_CONTROL_PLANE_URL": plane.url}
        cp_workers = [
            worker_server(
                assets.base_model,
                SERVED_NAME,
                logs / "cp-worker-1.log",
                {
                    **_worker_env(tmp_path_factory.mktemp("cp-worker-1"), plane.store_url, plane.worker_token),
                    "ADAPTERPLANE_WORKER_NAME": "cp-worker-1",
                },
                control_plane=plane.url,
                vllm_args=WORKER_ARGS,
            ),
            # The second worker takes the path `adapterplane worker` takes on vLLM releases without
            # endpoint plugins (`--middleware`); VLLM_PLUGINS names nothing of ours, so 0.32's
            # endpoint plugin stays out of the way.
            plain_server(
                assets.base_model,
                SERVED_NAME,
                logs / "cp-worker-2.log",
                vllm_args=["--enable-lora", *WORKER_ARGS, "--middleware", LEGACY_MIDDLEWARE],
                env={
                    **_worker_env(tmp_path_factory.mktemp("cp-worker-2"), plane.store_url, plane.worker_token),
                    **cp_env,
                    "ADAPTERPLANE_WORKER_NAME": "cp-worker-2",
                    "VLLM_ALLOW_RUNTIME_LORA_UPDATING": "True",
                    "VLLM_PLUGINS": "none",
                },
            ),
        ]
        cp_workers[1].env[LISTEN_PORT_VARIABLE] = str(cp_workers[1].port)
        servers = [table_worker, *cp_workers]
        try:
            for server in servers:
                server.start()
            for server in servers:
                server.wait_ready()
            yield {"table": table_worker, "plane": plane, "cp_workers": cp_workers}
        finally:
            for server in servers:
                server.stop()


@pytest.fixture(scope="session")
def table_worker(_servers) -> VllmServer:
    return _servers["table"]


@pytest.fixture(scope="session")
def control_plane_deployment(_servers, assets) -> ControlPlaneDeployment:
    """acme/bot v1 pirate and v2 caps published through the REST API, split 70/30, ready."""
    plane, workers = _servers["plane"], _servers["cp_workers"]
    with plane.client() as admin:
        _wait_for(lambda: admin.get(f"/v1/base-models/{SERVED_NAME}").status_code == 200, "base model registration")
        admin.post("/v1/tenants", json={"name": "acme"}).raise_for_status()
        key = admin.post("/v1/tenants/acme/keys", json={"name": "tests"}).json()["key"]
        for style in ("pirate", "caps"):
            directory = assets.adapters[style]
            files = [("files", (p.name, p.read_bytes())) for p in sorted(directory.iterdir())]
            published = admin.post(
                "/v1/adapters/acme/bot/versions",
                data={"metadata": json.dumps({"base_model": SERVED_NAME})},
                files=files,
            )
            assert published.status_code == 201, published.text
        split = admin.post("/v1/adapters/acme/bot/routes/default/revisions", json={"weights": {"1": 70, "2": 30}})
        assert split.status_code in (200, 201), split.text
        _wait_for(lambda: admin.get("/v1/adapters/acme/bot/routes/default").json()["ready"], "the split to be ready")
    for worker in workers:
        _wait_for(lambda worker=worker: _serves(worker, key, "acme/bot"), f"{worker.url} to serve acme/bot")
    return ControlPlaneDeployment(plane=plane, workers=workers, keys={"acme": key})


def _serves(worker: VllmServer, key: str, model: str) -> bool:
    response = httpx.post(
        f"{worker.url}/v1/chat/completions",
        headers={"authorization": f"Bearer {key}"},
        json={"model": model, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 1},
        timeout=60,
    )
    return response.status_code == 200


def _wait_for(condition, what: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(1)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
