from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from tests.control_plane.api.conftest import as_key, error_of, publish, tenant_key


def test_every_mutation_is_audited(app_client: TestClient, tenant: str, tmp_path: Path) -> None:
    ref = f"{tenant}/bot"
    key = app_client.post(f"/v1/tenants/{tenant}/keys", json={"name": "ci"}).json()
    publish(app_client, ref, tmp_path)
    publish(app_client, ref, tmp_path, alpha=2.0)
    app_client.post(f"/v1/adapters/{ref}/routes/default/revisions", json={"weights": {"1": 80, "2": 20}}).raise_for_status()
    app_client.post(f"/v1/adapters/{ref}/routes/default/rollback", json={"reason": "oops"}).raise_for_status()
    app_client.post(f"/v1/adapters/{ref}/versions/2/deprecate").raise_for_status()
    app_client.delete(f"/v1/tenants/{tenant}/keys/{key['key_id']}").raise_for_status()
    events = app_client.get(f"/v1/audit?tenant={tenant}").json()
    actions = [e["action"] for e in reversed(events)]
    assert actions == [
        "tenant.create",
        "key.create",
        "adapter.create",
        "version.publish",
        "route.split",
        "version.publish",
        "route.split",
        "route.rollback",
        "version.deprecate",
        "key.revoke",
    ]
    rollback = next(e for e in events if e["action"] == "route.rollback")
    assert rollback["details"]["reason"] == "oops" and rollback["details"]["to_revision"] == 1
    assert rollback["tenant"] == tenant and rollback["actor"] == "admin" and rollback["target"] == f"{ref}@default"


def test_filters(app_client: TestClient, tenant: str) -> None:
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert app_client.get("/v1/audit", params={"tenant": tenant, "since": future}).json() == []
    only = app_client.get("/v1/audit", params={"tenant": tenant, "action": "tenant.create"}).json()
    assert [e["target"] for e in only] == [tenant]
    assert error_of(app_client.get("/v1/audit", params={"since": "yesterday"}))[0] == 422
    assert error_of(app_client.get("/v1/audit", params={"limit": 0}))[0] == 422


def test_tenant_sees_only_its_own_events(app_client: TestClient, tenant: str) -> None:
    other = tenant + "-z"
    app_client.post("/v1/tenants", json={"name": other}).raise_for_status()
    key = tenant_key(app_client, tenant)
    events = app_client.get("/v1/audit", headers=as_key(key)).json()
    assert events and {e["tenant"] for e in events} == {tenant}
    assert error_of(app_client.get(f"/v1/audit?tenant={other}", headers=as_key(key)))[0] == 403
