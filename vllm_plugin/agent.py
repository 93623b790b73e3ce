"""The worker's side of the control-plane conversation: register, heartbeat, fetch the table.

Runs as one task in the API server's event loop. The control plane pushes tables on change
(`PUT /adapterplane/routing-table`); each heartbeat answer carries the current etag, and a
differing one makes the agent fetch the table, so a missed push is repaired within one
interval. The control plane being down only delays this: serving never waits for it.
"""

from __future__ import annotations

import asyncio
import logging
import random

import httpx

from control_plane.workers.protocol import (
    Heartbeat,
    HeartbeatResponse,
    RegisterRequest,
    RegisterResponse,
    RoutingTable,
)

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 30.0


class ControlPlaneAgent:
    def __init__(self, runtime, client: httpx.AsyncClient) -> None:
        self.runtime = runtime
        self.client = client
        self.worker_id: int | None = None
        self.interval = runtime.settings.table_poll_seconds
        self._failures = 0

    async def run(self) -> None:
        while True:
            try:
                await self.step()
                self._failures = 0
                delay = self.interval
            except (httpx.HTTPError, ValueError) as exc:
                self._failures += 1
                delay = min(MAX_BACKOFF_SECONDS, self.interval, 2.0**self._failures) * random.uniform(0.5, 1.0)
                logger.warning("control plane unreachable (%s); serving the current table, retry in %.0fs", exc, delay)
            await asyncio.sleep(delay)

    async def step(self) -> None:
        if self.worker_id is None:
            await self.register()
            return
        response = await self.client.post(f"/v1/workers/{self.worker_id}/heartbeat", content=await self._heartbeat())
        if response.status_code == 404:  # the control plane forgot us (e.g. a new database)
            self.worker_id = None
            return
        response.raise_for_status()
        etag = HeartbeatResponse.model_validate_json(response.content).table_etag
        if etag != self.runtime.table.etag:
            await self.fetch_table()

    async def register(self) -> None:
        runtime = self.runtime
        request = RegisterRequest(
            name=runtime.settings.name_for(runtime.port),
            url=runtime.advertise_url(),
            base_model=runtime.base_model_name,
            base_model_config=runtime.base_model_config,
            capacity=runtime.capacity,
            engine_version=_engine_version(),
        )
        response = await self.client.post("/v1/workers/register", content=request.model_dump_json())
        if response.status_code == 409:
            # Permanent until someone acts: say so loudly, keep serving, keep trying.
            logger.error("the control plane refused registration: %s", response.text)
        response.raise_for_status()
        registered = RegisterResponse.model_validate_json(response.content)
        self.worker_id = registered.worker_id
        self.interval = min(registered.heartbeat_interval_s, self.runtime.settings.table_poll_seconds)
        runtime.table.replace(registered.routing_table)
        logger.info("registered with the control plane as worker %d", self.worker_id)

    async def fetch_table(self) -> None:
        headers = {"if-none-match": self.runtime.table.etag} if self.runtime.table.etag else {}
        response = await self.client.get(
            "/v1/workers/routing-table", params={"base_model": self.runtime.base_model_name}, headers=headers
        )
        if response.status_code == 304:
            return
        response.raise_for_status()
        self.runtime.table.replace(RoutingTable.model_validate_json(response.content))

    async def _heartbeat(self) -> str:
        runtime = self.runtime
        beat = Heartbeat(
            loaded=await runtime.engine.loaded(),
            counters=runtime.metrics.snapshot(),
            table_etag=runtime.table.etag,
            started_at=runtime.started_at,
        )
        return beat.model_dump_json()


def _engine_version() -> str:
    import vllm

    return f"vllm {vllm.__version__}"


def start_agent(runtime) -> asyncio.Task | None:
    """Start the agent in the running loop; None when no control plane is configured."""
    settings = runtime.settings
    if settings.control_plane_url is None:
        logger.info("no ADAPTERPLANE_CONTROL_PLANE_URL: serving the routing table file %s only", runtime.table.path)
        return None
    client = httpx.AsyncClient(
        base_url=settings.control_plane_url.rstrip("/"),
        headers={"authorization": f"Bearer {settings.token()}", "content-type": "application/json"},
        timeout=httpx.Timeout(settings.control_plane_timeout_seconds, connect=5.0),
    )
    agent = ControlPlaneAgent(runtime, client)
    runtime.agent = agent
    return asyncio.get_running_loop().create_task(agent.run(), name="adapterplane-agent")
