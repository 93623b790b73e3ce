"""A change committed through one replica wakes the reconciler of every replica (PostgreSQL)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from control_plane.app import create_app
from control_plane.kit.migrate import upgrade
from control_plane.reconciler.notify import ChangeListener
from tests.control_plane.api.conftest import make_settings
from tests.support.databases import postgres_database

pytestmark = pytest.mark.postgres


def test_a_write_on_another_replica_nudges_this_one(tmp_path: Path) -> None:
    with postgres_database() as url:
        upgrade(url)
        woken = threading.Event()
        listener = ChangeListener(url, woken.set)
        listener.start()
        try:
            settings = make_settings(url, tmp_path, run_reconciler=False)
            with TestClient(create_app(settings), headers={"authorization": f"Bearer {settings.token('admin')}"}) as other:
                other.get("/v1/tenants").raise_for_status()
                assert not woken.wait(1.5), "a read must not wake anyone"
                other.post("/v1/tenants", json={"name": "acme"}).raise_for_status()
                assert woken.wait(10), "the committed write did not reach the listener"
        finally:
            listener.stop()
