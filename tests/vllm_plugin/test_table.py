"""The routing table store: key checks, the file that outlives restarts, stale tables."""

from __future__ import annotations

from datetime import timedelta

from tests.support.assets import TableBuilder, tenant_key
from vllm_plugin.table import TableStore


def _table():
    builder = TableBuilder(base_model="smollm2")
    builder.tenant("acme")
    return builder.build()


def test_keys_map_to_their_tenant_and_wrong_keys_to_none(tmp_path):
    store = TableStore(tmp_path / "table.json")
    store.replace(_table())
    key, key_id, _ = tenant_key("acme")
    assert store.tenant_for_key(key) == "acme"
    assert store.tenant_for_key(key + "x") is None
    assert store.tenant_for_key(f"ap_{key_id}_") is None
    assert store.tenant_for_key("ap_000000000000_secret") is None
    assert store.tenant_for_key("sk-whatever") is None


def test_a_new_store_serves_the_saved_table(tmp_path):
    path = tmp_path / "dir" / "table.json"
    table = _table()
    TableStore(path).replace(table)
    restarted = TableStore(path)
    assert restarted.load_file()
    assert restarted.etag == table.etag
    assert restarted.tenant_for_key(tenant_key("acme")[0]) == "acme"


def test_an_older_table_never_replaces_a_newer_one(tmp_path):
    store = TableStore(tmp_path / "table.json")
    newer = _table()
    older = newer.model_copy(update={"etag": "old", "generated_at": newer.generated_at - timedelta(seconds=5)})
    assert store.replace(newer)
    assert not store.replace(older)
    assert store.etag == newer.etag
    reloaded = TableStore(store.path)
    reloaded.load_file()
    assert reloaded.etag == newer.etag


def test_an_unreadable_file_is_ignored(tmp_path):
    path = tmp_path / "table.json"
    path.write_text("{not json")
    store = TableStore(path)
    assert not store.load_file()
    assert store.table is None
