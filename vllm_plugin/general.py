"""The `vllm.general_plugins` entry: register the adapterplane LoRA resolver.

vLLM runs this in every process it starts (API server, engine core, workers), possibly more than
once, so it is cheap and re-entrant: it checks the settings (no I/O) and registers one resolver
object. It does nothing in a vLLM that is not an adapterplane worker (no ADAPTERPLANE_* marker).
"""

from __future__ import annotations

from vllm_plugin.config import is_configured, load_settings


def register() -> None:
    if not is_configured():
        return
    load_settings()  # a misconfigured worker fails at start, with the variable to fix

    from vllm.lora.resolver import LoRAResolverRegistry

    from vllm_plugin.resolver import RESOLVER_NAME, AdapterplaneResolver
    from vllm_plugin.runtime import current_runtime

    if RESOLVER_NAME not in LoRAResolverRegistry.get_supported_resolvers():
        LoRAResolverRegistry.register_resolver(RESOLVER_NAME, AdapterplaneResolver(current_runtime))
