from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.control_plane.api.conftest import BASE_MODEL, SMOLLM2_CONFIG, as_key, error_of, tenant_key


def test_registered_base_model_has_its_fingerprint(app_client: TestClient) -> None:
    shown = app_client.get(f"/v1/base-models/{BASE_MODEL}").json()
    assert shown["hidden_size"] == 576 and shown["num_key_value_heads"] == 3 and shown["head_dim"] == 64
    assert BASE_MODEL in [m["name"] for m in app_client.get("/v1/base-models").json()]


def test_registering_again_is_idempotent(app_client: TestClient) -> None:
    response = app_client.post("/v1/base-models", json={"name": BASE_MODEL, "config": SMOLLM2_CONFIG})
    assert response.status_code == 200


def test_names_with_slashes(app_client: TestClient) -> None:
    name = "HuggingFaceTB/SmolLM2-135M-Instruct"
    assert app_client.post("/v1/base-models", json={"name": name, "config": SMOLLM2_CONFIG}).status_code in (200, 201)
    assert app_client.get(f"/v1/base-models/{name}").json()["name"] == name


def test_other_architecture_under_same_name_conflicts(app_client: TestClient) -> None:
    other = {**SMOLLM2_CONFIG, "hidden_size": 1024}
    status, error, detail = error_of(app_client.post("/v1/base-models", json={"name": BASE_MODEL, "config": other}))
    assert (status, error) == (409, "conflict") and "another architecture" in detail


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"model_type": "llama"}, "lacks hidden_size"),
        ({**SMOLLM2_CONFIG, "hidden_size": "wide"}, "non-numeric"),
        ({**SMOLLM2_CONFIG, "num_hidden_layers": 0}, "positive"),
    ],
)
def test_bad_configs(app_client: TestClient, config: dict, message: str) -> None:
    status, error, detail = error_of(app_client.post("/v1/base-models", json={"name": "bad-model", "config": config}))
    assert (status, error) == (400, "invalid_input") and message in detail
    assert error_of(app_client.get("/v1/base-models/bad-model"))[0] == 404


def test_payload_shape_errors_are_422(app_client: TestClient) -> None:
    status, error, detail = error_of(app_client.post("/v1/base-models", json={"name": "x", "config": [1, 2]}))
    assert (status, error) == (422, "validation_error") and "config" in detail


def test_bad_base_model_names(app_client: TestClient) -> None:
    status, _, detail = error_of(app_client.post("/v1/base-models", json={"name": "a b", "config": SMOLLM2_CONFIG}))
    assert status == 400 and "invalid base model name" in detail


def test_tenants_cannot_register_base_models(app_client: TestClient, tenant: str) -> None:
    key = tenant_key(app_client, tenant)
    response = app_client.post("/v1/base-models", json={"name": "mine", "config": SMOLLM2_CONFIG}, headers=as_key(key))
    assert error_of(response)[0] == 403
