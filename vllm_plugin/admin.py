"""Routes the control plane calls on a worker (worker token), and a tenant-scoped `/v1/models`.

PUT  /adapterplane/routing-table   install a newer table (saved to disk)
POST /adapterplane/load            fetch, verify and load a version into the engine
POST /adapterplane/unload          remove a version from vLLM and free it in the engine
GET  /adapterplane/loaded          what the engine really holds
GET  /v1/models                    the base model and the caller's own adapters only
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.responses import Response

from control_plane.kit.names import DEFAULT_ROUTE, version_name
from control_plane.workers.protocol import (
    ADMIN_PREFIX,
    LoadedReport,
    LoadRequest,
    RoutingTable,
    TableVersion,
    UnloadRequest,
)
from vllm_plugin.errors import BadRequest, Unauthorized, WorkerError
from vllm_plugin.middleware import bearer_token


def build_router(runtime) -> APIRouter:
    router = APIRouter()

    def require_worker(request: Request) -> None:
        if not runtime.is_worker_token(bearer_token(request.headers.get("authorization", ""))):
            raise Unauthorized("this route needs the adapterplane worker token")

    def guarded(handler):
        """Render WorkerErrors as OpenAI-style JSON errors, after the worker-token check."""

        async def endpoint(request: Request):
            try:
                require_worker(request)
                return await handler(request)
            except WorkerError as error:
                return Response(error.body(), status_code=error.status_code, media_type="application/json")

        endpoint.__name__ = handler.__name__
        endpoint.__doc__ = handler.__doc__
        return endpoint

    async def put_routing_table(request: Request):
        """Install a routing table pushed by the control plane."""
        table = _parse(RoutingTable, await request.body())
        # A stale push (this worker already has a newer table) is not an error: nothing to do.
        installed = runtime.table.replace(table)
        return {"etag": runtime.table.etag, "installed": installed}

    async def load(request: Request):
        """Load a version into the engine (fetched and verified first)."""
        load_request = _parse(LoadRequest, await request.body())
        version = TableVersion(
            number=0,
            artifact_uri=load_request.artifact_uri,
            files=load_request.files,
            rank=load_request.rank,
            status="active",
        )
        await runtime.ensure_servable(load_request.version, version, resident=True)
        return LoadedReport(loaded=await runtime.engine.loaded()).model_dump()

    async def unload(request: Request):
        """Remove a version from vLLM and free its engine slot."""
        unload_request = _parse(UnloadRequest, await request.body())
        await runtime.engine.unload(unload_request.version)
        return LoadedReport(loaded=await runtime.engine.loaded()).model_dump()

    async def loaded(request: Request):
        """Versions the engine holds now."""
        return LoadedReport(loaded=await runtime.engine.loaded()).model_dump()

    async def models(request: Request):
        """The base model and the adapters this API key may use."""
        key = bearer_token(request.headers.get("authorization", ""))
        try:
            tenant = None if runtime.is_worker_token(key) else runtime.tenant_for_key(key)
            table = runtime.require_table()
        except WorkerError as error:
            return Response(error.body(), status_code=error.status_code, media_type="application/json")
        return {"object": "list", "data": _model_cards(runtime, table, tenant)}

    router.add_api_route(f"{ADMIN_PREFIX}/routing-table", guarded(put_routing_table), methods=["PUT"])
    router.add_api_route(f"{ADMIN_PREFIX}/load", guarded(load), methods=["POST"])
    router.add_api_route(f"{ADMIN_PREFIX}/unload", guarded(unload), methods=["POST"])
    router.add_api_route(f"{ADMIN_PREFIX}/loaded", guarded(loaded), methods=["GET"])
    router.add_api_route("/v1/models", models, methods=["GET"])
    return router


def _parse(model, body: bytes):
    try:
        return model.model_validate_json(body)
    except ValueError as exc:
        raise BadRequest(f"invalid {model.__name__}: {exc}") from None


def _model_cards(runtime, table: RoutingTable, tenant: str | None) -> list[dict]:
    created = int(time.time())
    cards = [_card(name, created, owner="adapterplane") for name in runtime.base_model_names]
    for key, adapter in sorted(table.adapters.items()):
        if tenant is not None and adapter.tenant != tenant:
            continue
        cards.append(_card(key, created, owner=adapter.tenant, parent=runtime.base_model_name))
        cards += [
            _card(f"{key}@{route}", created, owner=adapter.tenant, parent=runtime.base_model_name)
            for route in sorted(adapter.routes)
            if route != DEFAULT_ROUTE
        ]
        cards += [
            _card(version_name(adapter.tenant, adapter.name, number), created, adapter.tenant, runtime.base_model_name)
            for number in sorted(adapter.versions)
        ]
    return cards


def _card(name: str, created: int, owner: str, parent: str | None = None) -> dict:
    return {"id": name, "object": "model", "created": created, "owned_by": owner, "root": name, "parent": parent}
