"""A real control plane (`adapterplane serve` subprocess) on SQLite and on PostgreSQL.

The server is shared by every test of a session for one database kind; tests stay independent
by creating their own tenants (`unique_name`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.support.databases import database
from tests.support.server import ControlPlane, running_control_plane

DATABASE_KINDS = [pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session", params=DATABASE_KINDS)
def control_plane(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ControlPlane]:
    directory = tmp_path_factory.mktemp(f"control-plane-{request.param}")
    # Offline: an hf:// import must fail fast and the same way on every machine.
    with database(request.param, directory) as url, running_control_plane(url, directory, HF_HUB_OFFLINE="1") as plane:
        yield plane


@pytest.fixture
def admin(control_plane: ControlPlane) -> Iterator[httpx.Client]:
    """An HTTP client with the admin token, for setting up what a test is not about."""
    with control_plane.client() as client:
        yield client


def unique_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def tenant(admin: httpx.Client) -> str:
    """A fresh tenant of this test's own."""
    name = unique_name("t")
    admin.post("/v1/tenants", json={"name": name}).raise_for_status()
    return name
