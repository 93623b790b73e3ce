"""The endpoint plugin for vLLM releases without `vllm.endpoint_plugins`.

Those releases still take `--middleware <dotted class>`, so one ASGI class carries everything
the endpoint plugin adds: it serves the admin routes (and the tenant-scoped `/v1/models`) ahead
of vLLM's, wraps every other request in the adapterplane middleware, and binds to the engine
when the app's startup completes (vLLM has built its state by then). `adapterplane worker`
chooses this path by itself when the installed vLLM lacks endpoint plugins.
"""

from __future__ import annotations

import os
from argparse import Namespace

from fastapi import FastAPI

from control_plane.workers.protocol import ADMIN_PREFIX
from vllm_plugin.admin import build_router
from vllm_plugin.config import LISTEN_PORT_VARIABLE, ConfigError
from vllm_plugin.endpoint import AdapterplaneEndpointPlugin, log_like_vllm, refuse_vllm_api_key
from vllm_plugin.middleware import AdapterplaneMiddleware
from vllm_plugin.runtime import get_runtime

class LegacyAdapterplaneMiddleware:
    def __init__(self, app) -> None:
        log_like_vllm()
        refuse_vllm_api_key(None)
        self.app = app
        self.plugin = AdapterplaneEndpointPlugin()
        runtime = get_runtime()
        self.routes = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
        self.routes.include_router(build_router(runtime))
        self.guarded = AdapterplaneMiddleware(app, runtime=runtime)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            return await self.app(scope, receive, self._binding(scope, send))
        if scope["type"] == "http" and _ours(scope["method"], scope["path"]):
            return await self.routes(scope, receive, send)
        return await self.guarded(scope, receive, send)

    def _binding(self, scope, send):
        async def send_after_binding(message) -> None:
            if message["type"] == "lifespan.startup.complete":
                state = scope["app"].state
                try:
                    await self.plugin.init_state(state.engine_client, state, _args(state))
                except ConfigError as exc:
                    message = {"type": "lifespan.startup.failed", "message": str(exc)}
            await send(message)

        return send_after_binding


def _ours(method: str, path: str) -> bool:
    return path.startswith(ADMIN_PREFIX + "/") or (method == "GET" and path == "/v1/models")


def _args(state) -> Namespace:
    args = getattr(state, "args", None)
    if args is not None:
        return args
    model_config = state.engine_client.model_config
    names = model_config.served_model_name
    return Namespace(
        model=model_config.model,
        served_model_name=[names] if isinstance(names, str) else names,
        port=int(os.environ.get(LISTEN_PORT_VARIABLE, "8000")),
    )
