"""Engine ids: stable per name, out of vLLM's own counter range, never shared by two names."""

from __future__ import annotations

from collections import defaultdict
from types import SimpleNamespace

from vllm_plugin.engine import EngineAdapters, stable_lora_id


def test_ids_are_stable_and_above_vllms_counter():
    assert stable_lora_id("acme/bot:v1") == stable_lora_id("acme/bot:v1")
    assert stable_lora_id("acme/bot:v1") != stable_lora_id("acme/bot:v2")
    assert 2**30 <= stable_lora_id("acme/bot:v1") < 2**31


def test_a_colliding_id_moves_to_the_next_free_one():
    models = SimpleNamespace(lora_requests={}, lora_resolver_lock=defaultdict(object))
    engine = EngineAdapters(engine_client=None, serving_models=models, base_model_name="base")
    engine._names[stable_lora_id("acme/new:v1")] = "acme/old:v1"
    assert engine._free_id("acme/new:v1") == stable_lora_id("acme/new:v1") + 1
