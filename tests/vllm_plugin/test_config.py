"""Worker settings and the general plugin's registration: cheap, re-entrant, clear failures."""

from __future__ import annotations

import pytest
from vllm.lora.resolver import LoRAResolverRegistry

from vllm_plugin import general
from vllm_plugin.config import ConfigError, load_settings
from vllm_plugin.resolver import RESOLVER_NAME


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in ("CONTROL_PLANE_URL", "WORKER_TOKEN", "ROUTING_TABLE_FILE", "LOCAL_MODE", "STORE_URL"):
        monkeypatch.delenv(f"ADAPTERPLANE_{name}", raising=False)
    monkeypatch.setenv("ADAPTERPLANE_DATA_DIR", str(tmp_path))
    LoRAResolverRegistry.resolvers.pop(RESOLVER_NAME, None)
    yield
    LoRAResolverRegistry.resolvers.pop(RESOLVER_NAME, None)


def test_register_does_nothing_in_a_plain_vllm():
    general.register()
    assert RESOLVER_NAME not in LoRAResolverRegistry.get_supported_resolvers()


def test_register_is_re_entrant(monkeypatch):
    monkeypatch.setenv("ADAPTERPLANE_WORKER_TOKEN", "a-long-enough-worker-token")
    general.register()
    first = LoRAResolverRegistry.get_resolver(RESOLVER_NAME)
    general.register()
    assert LoRAResolverRegistry.get_resolver(RESOLVER_NAME) is first


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ADAPTERPLANE_CONTROL_PLANE_URL": "http://cp:8000"}, "ADAPTERPLANE_WORKER_TOKEN is not set"),
        ({"ADAPTERPLANE_WORKER_TOKEN": "short"}, "at least 16"),
        (
            {"ADAPTERPLANE_WORKER_TOKEN": "a-long-enough-worker-token", "ADAPTERPLANE_CONTROL_PLANE_URL": "cp:8000"},
            "ADAPTERPLANE_CONTROL_PLANE_URL must be an http",
        ),
        (
            {"ADAPTERPLANE_WORKER_TOKEN": "a-long-enough-worker-token", "ADAPTERPLANE_CACHE_MAX_BYTES": "lots"},
            "ADAPTERPLANE_CACHE_MAX_BYTES",
        ),
        (
            {"ADAPTERPLANE_WORKER_TOKEN": "a-long-enough-worker-token", "ADAPTERPLANE_STORE_URL": "ftp://x"},
            "unsupported store",
        ),
    ],
)
def test_misconfiguration_fails_registration_with_the_variable_to_fix(monkeypatch, env, message):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        general.register()


def test_local_mode_shares_the_local_stacks_worker_token(monkeypatch, tmp_path):
    monkeypatch.setenv("ADAPTERPLANE_LOCAL_MODE", "true")
    (tmp_path / "worker-token").write_text("generated-by-the-control-plane\n")
    assert load_settings().token() == "generated-by-the-control-plane"
