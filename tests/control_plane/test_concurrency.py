"""Parallel publishes and route changes through two real server processes on one PostgreSQL."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from tests.control_plane.api.conftest import BASE_MODEL, SMOLLM2_CONFIG
from tests.support.databases import postgres_database
from tests.support.peft_factory import make_adapter
from tests.support.server import running_control_plane

pytestmark = pytest.mark.postgres
PUBLISHES = 12


def publish(url: str, token: str, directory: Path) -> httpx.Response:
    files = [("files", (p.name, p.read_bytes())) for p in sorted(directory.iterdir())]
    return httpx.post(
        f"{url}/v1/adapters/acme/bot/versions",
        data={"metadata": json.dumps({"base_model": BASE_MODEL})},
        files=files,
        headers={"authorization": f"Bearer {token}"},
        timeout=120,
    )


def test_parallel_publishes_get_unique_gap_free_numbers(tmp_path: Path) -> None:
    with postgres_database() as url, ExitStack() as stack:
        store = (tmp_path / "store").as_uri()
        planes = [
            stack.enter_context(running_control_plane(url, tmp_path / f"cp{i}", store_url=store)) for i in range(2)
        ]
        with planes[0].client() as admin:
            admin.post("/v1/tenants", json={"name": "acme"}).raise_for_status()
            admin.post("/v1/base-models", json={"name": BASE_MODEL, "config": SMOLLM2_CONFIG}).raise_for_status()
        dirs = [make_adapter(tmp_path / f"a{i}", alpha=float(i + 1), layers=[0]) for i in range(PUBLISHES)]
        with ThreadPoolExecutor(max_workers=PUBLISHES) as pool:
            responses = list(
                pool.map(lambda i: publish(planes[i % 2].url, planes[0].admin_token, dirs[i]), range(PUBLISHES))
            )
        assert [r.status_code for r in responses] == [201] * PUBLISHES, [r.text for r in responses if r.status_code != 201]
        numbers = sorted(r.json()["number"] for r in responses)
        assert numbers == list(range(1, PUBLISHES + 1))
        # Each number holds the artifact that publish sent (alpha identifies it).
        by_alpha = {r.json()["alpha"]: r.json()["number"] for r in responses}
        assert sorted(by_alpha) == [float(i + 1) for i in range(PUBLISHES)]

        # Parallel route changes: every one gets its own revision number.
        def split(i: int) -> httpx.Response:
            with planes[i % 2].client() as client:
                weights = {"1": 100 - (i + 1), str(i + 2): i + 1}
                return client.post("/v1/adapters/acme/bot/routes/default/revisions", json={"weights": weights})

        with ThreadPoolExecutor(max_workers=8) as pool:
            splits = list(pool.map(split, range(8)))
        assert [r.status_code for r in splits] == [201] * 8, [r.text for r in splits]
        with planes[1].client() as client:
            history = client.get("/v1/adapters/acme/bot/routes/default/revisions").json()
        assert sorted(h["number"] for h in history) == list(range(1, 10))
