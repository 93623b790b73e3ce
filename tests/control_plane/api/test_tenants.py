from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.control_plane.api.conftest import as_key, error_of, tenant_key


def test_create_list_and_show(app_client: TestClient, tenant: str) -> None:
    names = [t["name"] for t in app_client.get("/v1/tenants").json()]
    assert tenant in names
    assert app_client.get(f"/v1/tenants/{tenant}").json()["name"] == tenant


def test_duplicate_tenant_conflicts(app_client: TestClient, tenant: str) -> None:
    assert error_of(app_client.post("/v1/tenants", json={"name": tenant}))[:2] == (409, "conflict")


@pytest.mark.parametrize("name", ["Acme", "a/b", "..", "x" * 200, "a_b", ""])
def test_bad_tenant_names(app_client: TestClient, name: str) -> None:
    before = app_client.get("/v1/tenants").json()
    status, error, detail = error_of(app_client.post("/v1/tenants", json={"name": name}))
    assert (status, error) == (400, "invalid_input")
    assert "invalid tenant name" in detail
    assert app_client.get("/v1/tenants").json() == before


def test_missing_and_wrong_credentials(app_client: TestClient) -> None:
    assert error_of(app_client.get("/v1/tenants", headers={"authorization": ""}))[:2] == (401, "unauthorized")
    bad = app_client.get("/v1/tenants", headers=as_key("ap_0123456789ab_" + "x" * 43))
    assert error_of(bad)[:2] == (401, "unauthorized")


def test_key_is_shown_once_and_scopes_to_its_tenant(app_client: TestClient, tenant: str) -> None:
    created = app_client.post(f"/v1/tenants/{tenant}/keys", json={"name": "ci"}).json()
    key = created["key"]
    assert key.startswith(f"ap_{created['key_id']}_")
    listed = app_client.get(f"/v1/tenants/{tenant}/keys").json()
    assert [k["key_id"] for k in listed] == [created["key_id"]]
    assert all("key" not in k for k in listed)
    # The tenant key sees only its tenant, and records when it was used.
    visible = app_client.get("/v1/tenants", headers=as_key(key)).json()
    assert [t["name"] for t in visible] == [tenant]
    assert app_client.get(f"/v1/tenants/{tenant}/keys").json()[0]["last_used_at"] is not None


def test_tenant_key_cannot_touch_another_tenant(app_client: TestClient, tenant: str) -> None:
    other = tenant + "-b"
    app_client.post("/v1/tenants", json={"name": other}).raise_for_status()
    key = tenant_key(app_client, tenant)
    for response in (
        app_client.get(f"/v1/tenants/{other}", headers=as_key(key)),
        app_client.get(f"/v1/tenants/{other}/keys", headers=as_key(key)),
        app_client.post(f"/v1/tenants/{other}/keys", json={}, headers=as_key(key)),
        app_client.get(f"/v1/adapters?tenant={other}", headers=as_key(key)),
    ):
        status, error, detail = error_of(response)
        assert (status, error) == (403, "forbidden")
        assert other in detail
    assert app_client.get(f"/v1/tenants/{other}/keys").json() == []


def test_only_admin_creates_tenants(app_client: TestClient, tenant: str) -> None:
    key = tenant_key(app_client, tenant)
    assert error_of(app_client.post("/v1/tenants", json={"name": tenant + "-x"}, headers=as_key(key)))[0] == 403


def test_revoked_key_stops_working(app_client: TestClient, tenant: str) -> None:
    created = app_client.post(f"/v1/tenants/{tenant}/keys", json={}).json()
    assert app_client.get("/v1/tenants", headers=as_key(created["key"])).status_code == 200
    revoked = app_client.delete(f"/v1/tenants/{tenant}/keys/{created['key_id']}")
    assert revoked.json()["revoked_at"] is not None
    status, _, detail = error_of(app_client.get("/v1/tenants", headers=as_key(created["key"])))
    assert status == 401 and "revoked" in detail
    assert error_of(app_client.delete(f"/v1/tenants/{tenant}/keys/{created['key_id']}"))[0] == 409
    assert error_of(app_client.delete(f"/v1/tenants/{tenant}/keys/000000000000"))[0] == 404


def test_worker_token_is_not_a_tenant_or_admin(app_client: TestClient) -> None:
    from tests.support.server import WORKER_TOKEN

    assert error_of(app_client.post("/v1/tenants", json={"name": "w"}, headers=as_key(WORKER_TOKEN)))[0] == 403
