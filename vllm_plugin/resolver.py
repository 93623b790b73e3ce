"""The adapterplane `LoRAResolver`: vLLM calls it for a version name it has not seen yet.

It only resolves immutable version names (`tenant/adapter:vN`) that the routing table lists,
from the verified disk cache or the artifact store. Route names (`tenant/adapter`, `@route`)
never reach vLLM: the middleware rewrites them first, so a name always means the same bytes.
Failures are logged and resolve to nothing (vLLM answers 404): a bad artifact never reaches
the engine. Requests through the middleware get the precise error instead.
"""

from __future__ import annotations

import asyncio
import logging

from vllm.lora.request import LoRARequest
from vllm.lora.resolver import LoRAResolver

from vllm_plugin.engine import stable_lora_id
from vllm_plugin.errors import WorkerError

logger = logging.getLogger(__name__)

RESOLVER_NAME = "adapterplane"


class AdapterplaneResolver(LoRAResolver):
    def __init__(self, runtime_getter) -> None:
        # The runtime is bound when the endpoint plugin starts; registration must stay cheap.
        self._runtime = runtime_getter

    async def resolve_lora(self, base_model_name: str, lora_name: str) -> LoRARequest | None:
        runtime = self._runtime()
        if runtime is None or runtime.cache is None:
            logger.warning("adapterplane resolver asked for %s before the worker started", lora_name)
            return None
        version = runtime.find_version(lora_name)
        if version is None:
            return None
        try:
            path = await asyncio.to_thread(
                runtime.cache.fetch, lora_name, version.artifact_uri, version.files, version.rank
            )
        except WorkerError as error:
            logger.warning("cannot resolve %s: %s", lora_name, error.message)
            return None
        return LoRARequest(lora_name=lora_name, lora_int_id=stable_lora_id(lora_name), lora_path=str(path))
