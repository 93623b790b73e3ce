from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.control_plane.api.conftest import as_key, error_of, publish, tenant_key


@pytest.fixture
def three_versions(app_client: TestClient, tenant: str, tmp_path: Path) -> str:
    ref = f"{tenant}/bot"
    for alpha in (8.0, 16.0, 32.0):
        publish(app_client, ref, tmp_path, alpha=alpha)
    return ref


def split(client: TestClient, ref: str, weights: dict, route: str = "default", **kw: object):
    return client.post(f"/v1/adapters/{ref}/routes/{route}/revisions", json={"weights": weights, **kw})


def arms(route_body: dict) -> dict[int, int]:
    return {a["version"]: a["weight"] for a in route_body["current"]["arms"]}


def test_split_writes_a_revision_and_history(app_client: TestClient, three_versions: str) -> None:
    ref = three_versions
    response = split(app_client, ref, {"1": 90, "2": 10}, reason="canary")
    assert response.status_code == 201
    body = response.json()
    assert body["changed"] and arms(body) == {1: 90, 2: 10} and body["current"]["number"] == 2
    assert body["current"]["arms"][1]["name"] == f"{ref}:v2"
    history = app_client.get(f"/v1/adapters/{ref}/routes/default/revisions").json()
    assert [h["number"] for h in history] == [2, 1]
    assert history[0]["reason"] == "canary" and history[0]["created_by"] == "admin"


def test_same_weights_are_a_no_op(app_client: TestClient, three_versions: str) -> None:
    split(app_client, three_versions, {"1": 50, "2": 50}).raise_for_status()
    again = split(app_client, three_versions, {"2": 50, "1": 50})
    assert again.status_code == 200 and again.json()["changed"] is False
    assert len(app_client.get(f"/v1/adapters/{three_versions}/routes/default/revisions").json()) == 2


def test_named_route_is_created_on_first_split(app_client: TestClient, three_versions: str) -> None:
    split(app_client, three_versions, {"3": 100}, route="staging").raise_for_status()
    names = [r["name"] for r in app_client.get(f"/v1/adapters/{three_versions}/routes").json()]
    assert names == ["default", "staging"]
    assert arms(app_client.get(f"/v1/adapters/{three_versions}/routes/staging").json()) == {3: 100}


def test_rollback_to_previous_and_to_a_given_revision(app_client: TestClient, three_versions: str) -> None:
    ref = three_versions
    split(app_client, ref, {"1": 50, "2": 50}).raise_for_status()  # revision 2
    split(app_client, ref, {"3": 100}).raise_for_status()  # revision 3
    back = app_client.post(f"/v1/adapters/{ref}/routes/default/rollback", json={"reason": "bad v3"}).json()
    assert back["current"]["number"] == 4 and back["current"]["rollback_of"] == 2
    assert arms(back) == {1: 50, 2: 50}
    first = app_client.post(f"/v1/adapters/{ref}/routes/default/rollback", json={"to_revision": 1}).json()
    assert arms(first) == {1: 100} and first["current"]["number"] == 5
    history = app_client.get(f"/v1/adapters/{ref}/routes/default/revisions?limit=2").json()
    assert [h["number"] for h in history] == [5, 4]


def test_rollback_errors(app_client: TestClient, three_versions: str) -> None:
    ref = three_versions
    status, _, detail = error_of(app_client.post(f"/v1/adapters/{ref}/routes/default/rollback", json={}))
    assert status == 409 and "only one revision" in detail
    split(app_client, ref, {"2": 100}).raise_for_status()
    status, _, detail = error_of(app_client.post(f"/v1/adapters/{ref}/routes/default/rollback", json={"to_revision": 9}))
    assert status == 404 and "no revision 9" in detail
    status, _, detail = error_of(app_client.post(f"/v1/adapters/{ref}/routes/default/rollback", json={"to_revision": 2}))
    assert status == 409 and "already the current" in detail
    status, _, _ = error_of(app_client.post(f"/v1/adapters/{ref}/routes/nope/rollback", json={}))
    assert status == 404
    assert error_of(app_client.post(f"/v1/adapters/{ref}/routes/default/rollback", json={"to_revision": 0}))[0] == 422
    assert len(app_client.get(f"/v1/adapters/{ref}/routes/default/revisions").json()) == 2


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"1": 60, "2": 30}, "sum to 100"),
        ({"1": 110, "2": -10}, "from 1 to 100"),
        ({"1": 100, "2": 0}, "from 1 to 100"),
        ({"1": 50, "9": 50}, "no version v9"),
        ({}, "at least one version"),
        ({str(n): 10 for n in range(1, 11)}, "at most 8"),
    ],
)
def test_bad_weights_write_nothing(app_client: TestClient, three_versions: str, weights: dict, message: str) -> None:
    status, error, detail = error_of(split(app_client, three_versions, weights))
    assert (status, error) == (400, "invalid_input") and message in detail
    assert len(app_client.get(f"/v1/adapters/{three_versions}/routes/default/revisions").json()) == 1


def test_weights_must_be_integers(app_client: TestClient, three_versions: str) -> None:
    assert error_of(split(app_client, three_versions, {"1": 50.5, "2": 49.5}))[:2] == (422, "validation_error")
    assert error_of(split(app_client, three_versions, {"v1": 100}))[:2] == (422, "validation_error")


def test_another_adapters_versions_are_not_routable(app_client: TestClient, three_versions: str, tmp_path: Path) -> None:
    tenant = three_versions.split("/")[0]
    publish(app_client, f"{tenant}/other", tmp_path)  # other has only v1
    status, _, detail = error_of(split(app_client, f"{tenant}/other", {"1": 50, "3": 50}))
    assert status == 400 and "no version v3" in detail


def test_deprecated_versions_take_no_new_traffic(app_client: TestClient, three_versions: str) -> None:
    app_client.post(f"/v1/adapters/{three_versions}/versions/2/deprecate").raise_for_status()
    status, _, detail = error_of(split(app_client, three_versions, {"1": 50, "2": 50}))
    assert status == 400 and "deprecated" in detail


def test_tenant_key_routes_only_its_adapters(app_client: TestClient, three_versions: str, tmp_path: Path) -> None:
    tenant = three_versions.split("/")[0]
    other = tenant + "-x"
    app_client.post("/v1/tenants", json={"name": other}).raise_for_status()
    publish(app_client, f"{other}/bot", tmp_path)
    key = tenant_key(app_client, tenant)
    ok = app_client.post(f"/v1/adapters/{three_versions}/routes/default/revisions", json={"weights": {"2": 100}}, headers=as_key(key))
    assert ok.status_code == 201 and ok.json()["current"]["created_by"].startswith(f"tenant:{tenant}/key:")
    for response in (
        app_client.post(f"/v1/adapters/{other}/bot/routes/default/revisions", json={"weights": {"1": 100}}, headers=as_key(key)),
        app_client.post(f"/v1/adapters/{other}/bot/routes/default/rollback", json={}, headers=as_key(key)),
        app_client.get(f"/v1/adapters/{other}/bot/routes", headers=as_key(key)),
    ):
        assert error_of(response)[0] == 403
