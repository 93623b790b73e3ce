"""The worker's artifact cache: verified fetches, compatibility checks, atomic writes, budget."""

from __future__ import annotations

import os

import pytest

from tests.support.assets import publish
from tests.support.peft_factory import SMOLLM2_135M, make_adapter
from vllm_plugin.cache import AdapterCache
from vllm_plugin.errors import IncompatibleAdapter, IntegrityError, StoreUnavailable


@pytest.fixture
def store(tmp_path):
    return tmp_path / "store"


def _cache(tmp_path, store, *, max_bytes=10**9, max_rank=16, in_use=frozenset):
    return AdapterCache(
        root=tmp_path / "cache",
        max_bytes=max_bytes,
        store_urls=[store.resolve().as_uri()],
        max_rank=max_rank,
        fingerprint=SMOLLM2_135M,
        in_use=lambda: in_use,
    )


def _published(tmp_path, store, name="bot", number=1, rank=8, **knobs):
    source = make_adapter(tmp_path / f"src-{name}-{number}", SMOLLM2_135M, rank=rank, **knobs)
    return publish(store, "acme", name, number, source)


def fetch(cache, name, version):
    return cache.fetch(name, version.artifact_uri, version.files, version.rank)


def test_fetch_verifies_and_places_every_file(tmp_path, store):
    version = _published(tmp_path, store)
    cache = _cache(tmp_path, store)
    path = fetch(cache, "acme/bot:v1", version)
    assert sorted(p.name for p in path.iterdir()) == sorted(f.name for f in version.files)
    assert path == cache.path_for("acme/bot:v1", version.files)
    assert fetch(cache, "acme/bot:v1", version) == path  # cached


def test_a_tampered_store_file_is_refused_and_leaves_nothing_behind(tmp_path, store):
    version = _published(tmp_path, store)
    weights = store / version.artifact_uri.split("/store/", 1)[1] / "adapter_model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    cache = _cache(tmp_path, store)
    with pytest.raises(IntegrityError, match="sha256"):
        fetch(cache, "acme/bot:v1", version)
    assert not cache.path_for("acme/bot:v1", version.files).exists()
    assert not any((cache.root / ".staging").iterdir())


def test_a_damaged_cached_copy_is_fetched_again(tmp_path, store):
    version = _published(tmp_path, store)
    cache = _cache(tmp_path, store)
    path = fetch(cache, "acme/bot:v1", version)
    (path / "adapter_config.json").write_text("{}")
    path = fetch(cache, "acme/bot:v1", version)
    assert (path / "adapter_config.json").read_text() != "{}"


def test_rank_above_the_worker_limit_is_refused_before_download(tmp_path, store):
    version = _published(tmp_path, store, rank=32)
    with pytest.raises(IncompatibleAdapter, match="max-lora-rank"):
        fetch(_cache(tmp_path, store, max_rank=16), "acme/bot:v1", version)


def test_an_adapter_for_another_base_model_is_refused(tmp_path, store):
    other = SMOLLM2_135M.__class__(**{**SMOLLM2_135M.to_dict(), "hidden_size": 960, "head_dim": 64})
    source = make_adapter(tmp_path / "src-other", other, rank=8)
    version = publish(store, "acme", "bot", 1, source)
    with pytest.raises(IncompatibleAdapter, match="base model"):
        fetch(_cache(tmp_path, store), "acme/bot:v1", version)


def test_only_configured_stores_are_fetched(tmp_path, store):
    version = _published(tmp_path, store)
    elsewhere = version.model_copy(update={"artifact_uri": "file:///etc/adapters/x"})
    with pytest.raises(StoreUnavailable, match="not a store"):
        fetch(_cache(tmp_path, store), "acme/bot:v1", elsewhere)
    traversal = version.model_copy(update={"artifact_uri": store.resolve().as_uri() + "/../secrets"})
    with pytest.raises(StoreUnavailable, match="not a store"):
        fetch(_cache(tmp_path, store), "acme/bot:v1", traversal)


def test_eviction_keeps_the_budget_but_never_deletes_what_vllm_registered(tmp_path, store):
    versions = {n: _published(tmp_path, store, number=n) for n in (1, 2, 3)}
    size = sum(f.size for f in versions[1].files)
    in_use = {"acme/bot:v1"}
    cache = _cache(tmp_path, store, max_bytes=2 * size, in_use=in_use)
    paths = {}
    for number, version in versions.items():
        paths[number] = fetch(cache, f"acme/bot:v{number}", version)
        os.utime(paths[number], (number, number))  # v1 is the least recently used
    cache.evict()
    # v1 is oldest but registered with vLLM: v2 goes instead.
    assert paths[1].exists() and not paths[2].exists() and paths[3].exists()
