"""What the plugin does to vLLM's adapter state, in one place (vLLM 0.26-0.33 share these).

- `OpenAIServingModels.lora_requests` (name → LoRARequest) is what the API layer serves by
  name; `lora_resolver_lock[name]` serialises changes to one name.
- `engine_client.add_lora` loads into the engine (LRU CPU cache, then GPU slots);
  `remove_lora(id)` really frees it — vLLM 0.32's own unload route only forgets the name;
  `list_loras()` is the set of ids the engine holds now.
Ids are stable (a digest of the version name), never `hash()`, and kept out of the range
vLLM's own counter hands out, so the two can never collide.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

logger = logging.getLogger(__name__)

#: vLLM's own counter starts at 1; ours live in [2**30, 2**31).
_ID_BASE = 2**30


def stable_lora_id(name: str) -> int:
    digest = hashlib.sha256(name.encode()).digest()
    return _ID_BASE + int.from_bytes(digest[:4], "big") % _ID_BASE


class EngineAdapters:
    def __init__(self, engine_client, serving_models, base_model_name: str) -> None:
        self.engine_client = engine_client
        self.models = serving_models
        self.base_model_name = base_model_name
        #: every id this process gave the engine, so `loaded()` can name what the engine holds
        self._names: dict[int, str] = {}

    def registered(self) -> set[str]:
        """Names vLLM's API layer serves (it may re-read their files at any time)."""
        return set(self.models.lora_requests)

    def is_registered(self, name: str) -> bool:
        return name in self.models.lora_requests

    async def ensure_loaded(self, name: str, path: Path, *, resident: bool = False):
        """Register `name` → `path` with vLLM and load it into the engine; return its LoRARequest.

        With `resident`, also re-add a registered adapter the engine has since evicted (what
        the control plane's load asks for); a request path leaves that to vLLM, which reloads
        evicted adapters from disk by itself.
        """
        from vllm.lora.request import LoRARequest

        async with self.models.lora_resolver_lock[name]:
            existing = self.models.lora_requests.get(name)
            if existing is not None:
                if resident and existing.lora_int_id not in await self.engine_client.list_loras():
                    await self.engine_client.add_lora(existing)
                return existing
            request = LoRARequest(lora_name=name, lora_int_id=self._free_id(name), lora_path=str(path))
            request.base_model_name = self.base_model_name
            await self.engine_client.add_lora(request)
            self.models.lora_requests[name] = request
            self._names[request.lora_int_id] = name
            logger.info("loaded LoRA adapter %s (id %d) from %s", name, request.lora_int_id, path)
            return request

    def _free_id(self, name: str) -> int:
        """`stable_lora_id(name)`, or the next free id after it in the (unlikely) event that
        another name already holds it: two adapters must never share an engine id."""
        taken = {request.lora_int_id: known for known, request in self.models.lora_requests.items()}
        taken.update(self._names)
        lora_id = stable_lora_id(name)
        while taken.get(lora_id, name) != name:
            lora_id = _ID_BASE + (lora_id + 1 - _ID_BASE) % _ID_BASE
        return lora_id

    async def unload(self, name: str) -> bool:
        """Forget `name` in the API layer and free it in the engine; False if it was not there."""
        async with self.models.lora_resolver_lock[name]:
            request = self.models.lora_requests.pop(name, None)
            lora_id = request.lora_int_id if request is not None else _find_id(self._names, name)
            if lora_id is None:
                return False
            removed = await self.engine_client.remove_lora(lora_id)
            logger.info("unloaded LoRA adapter %s (id %d; engine held it: %s)", name, lora_id, removed)
            return True

    async def loaded(self) -> list[str]:
        """Names of the adapters the engine really holds now (not only vLLM's name dict)."""
        engine_ids = await self.engine_client.list_loras()
        names = dict(self._names)
        names.update({request.lora_int_id: name for name, request in self.models.lora_requests.items()})
        return sorted(names[lora_id] for lora_id in engine_ids if lora_id in names)


def _find_id(names: dict[int, str], name: str) -> int | None:
    return next((lora_id for lora_id, known in names.items() if known == name), None)
