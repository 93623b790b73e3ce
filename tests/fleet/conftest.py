"""One fleet for every test here, started once: two control-plane replicas on a real PostgreSQL
database, two roomy vLLM CPU workers and one small one, all registered with the same replica.

- `fleet-worker-1` and `fleet-worker-2` serve the demo base model with room for every adapter
  the tests publish (each test uses its own tenant and adapters);
- `fleet-small` serves the same weights under another base-model name with room for only two
  versions (`--max-cpu-loras 2`), so its placement concerns the capacity test alone;
- the `peer` replica starts first and holds the reconciler lease until the failover test stops it.

The fixtures are package-scoped: the workers stop as soon as these tests are done, before other
packages start their own vLLM servers on the same small machine.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.assets import demo_assets
from tests.support.databases import postgres_database
from tests.support.fleet import Fleet, WorkerSpec, running_fleet
from tests.support.vllm_server import VllmServer

SMALL_BASE_MODEL = "smollm2-small"
SHARED_WORKERS = ("fleet-worker-1", "fleet-worker-2")
SMALL_WORKER = WorkerSpec(
    "fleet-small",
    served_name=SMALL_BASE_MODEL,
    vllm_args=("--max-lora-rank", "8", "--max-loras", "2", "--max-cpu-loras", "2"),
)


@pytest.fixture(scope="package")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    specs = [WorkerSpec(name) for name in SHARED_WORKERS] + [SMALL_WORKER]
    root = tmp_path_factory.mktemp("fleet")
    with postgres_database() as database_url, running_fleet(demo_assets(), root, database_url, specs, peer=True) as fleet:
        yield fleet


@pytest.fixture(scope="package")
def workers(fleet: Fleet) -> list[VllmServer]:
    """The two workers of the demo base model."""
    return [fleet.workers[name] for name in SHARED_WORKERS]
