"""The `vllm.endpoint_plugins` entry (loaded when `VLLM_PLUGINS` names `adapterplane`).

`attach_router` runs while vLLM builds its app: it reads the settings (a misconfiguration stops
the server here, with a clear message; vLLM swallows errors raised by the factory itself),
adds the middleware and the admin routes. `init_state` runs once the engine exists: it binds
the runtime to the engine, loads the saved routing table and starts the control-plane agent.
"""

from __future__ import annotations

import logging
import os

from vllm_plugin.config import ConfigError
from vllm_plugin.runtime import get_runtime

PLUGIN_NAME = "adapterplane"


class AdapterplaneEndpointPlugin:
    name = PLUGIN_NAME
    required_tasks = ("generate",)

    def attach_router(self, app) -> None:
        from vllm_plugin.admin import build_router
        from vllm_plugin.middleware import AdapterplaneMiddleware

        log_like_vllm()
        runtime = get_runtime()
        refuse_vllm_api_key(getattr(app.state.args, "api_key", None))
        app.include_router(build_router(runtime))
        app.add_middleware(AdapterplaneMiddleware, runtime=runtime)

    async def init_state(self, engine_client, state, args) -> None:
        from vllm_plugin.agent import start_agent

        if engine_client is None:
            return  # the render-only server has no engine and serves no adapters
        runtime = get_runtime()
        runtime.start(engine_client, state.openai_serving_models, args)
        runtime.agent_task = start_agent(runtime)


def refuse_vllm_api_key(api_key) -> None:
    """vLLM's own key check runs before ours and would turn every tenant key away."""
    if api_key or os.environ.get("VLLM_API_KEY"):
        raise ConfigError("adapterplane checks tenant keys itself: do not set --api-key or VLLM_API_KEY")


def log_like_vllm() -> None:
    """Send the plugin's log records through vLLM's handlers (vLLM configures only its own)."""
    ours, theirs = logging.getLogger("vllm_plugin"), logging.getLogger("vllm")
    if not ours.handlers and theirs.handlers:
        for handler in theirs.handlers:
            ours.addHandler(handler)
        ours.setLevel(theirs.level or logging.INFO)
        ours.propagate = False


def plugin() -> AdapterplaneEndpointPlugin:
    return AdapterplaneEndpointPlugin()
