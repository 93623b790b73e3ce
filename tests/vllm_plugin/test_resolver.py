"""The LoRA resolver vLLM calls on a name it has not seen: table versions only, verified files."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace

from tests.support.assets import TableBuilder, publish
from tests.support.peft_factory import SMOLLM2_135M, make_adapter
from vllm_plugin.cache import AdapterCache
from vllm_plugin.engine import stable_lora_id
from vllm_plugin.resolver import AdapterplaneResolver
from vllm_plugin.routing import find_version
from vllm_plugin.table import TableStore


def _runtime(tmp_path, tamper: bool = False):
    store = tmp_path / "store"
    version = publish(store, "acme", "bot", 1, make_adapter(tmp_path / "src", SMOLLM2_135M, rank=8))
    if tamper:
        weights = next(store.rglob("adapter_model.safetensors"))
        data = weights.read_bytes()
        weights.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))
    builder = TableBuilder(base_model="smollm2")
    builder.tenant("acme")
    builder.version("acme", "bot", version)
    table = TableStore(tmp_path / "table.json")
    table.replace(builder.build())
    cache = AdapterCache(tmp_path / "cache", 10**9, [store.resolve().as_uri()], 16, SMOLLM2_135M)
    return SimpleNamespace(cache=cache, find_version=lambda name: find_version(table.table, name))


def resolve(runtime, name):
    return asyncio.run(AdapterplaneResolver(lambda: runtime).resolve_lora("base", name))


def test_a_table_version_resolves_to_its_verified_cache_dir_with_a_stable_id(tmp_path):
    request = resolve(_runtime(tmp_path), "acme/bot:v1")
    assert request.lora_name == "acme/bot:v1"
    assert request.lora_int_id == stable_lora_id("acme/bot:v1")
    assert (tmp_path / "cache").resolve() in Path(request.lora_path).parents


def test_unknown_names_tampered_artifacts_and_an_unstarted_worker_resolve_to_nothing(tmp_path):
    assert resolve(_runtime(tmp_path / "a"), "acme/bot") is None
    assert resolve(_runtime(tmp_path / "b", tamper=True), "acme/bot:v1") is None
    assert resolve(None, "acme/bot:v1") is None
