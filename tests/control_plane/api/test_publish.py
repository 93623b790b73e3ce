from __future__ import annotations

import hashlib
import json
from pathlib import Path
from urllib.parse import urlparse

import pytest
from fastapi.testclient import TestClient

from tests.control_plane.api.conftest import BASE_MODEL, as_key, error_of, publish, tenant_key, upload
from tests.support.peft_factory import make_adapter


def versions_of(client: TestClient, ref: str) -> list[dict]:
    response = client.get(f"/v1/adapters/{ref}/versions")
    return response.json() if response.status_code == 200 else []


def test_publish_records_an_immutable_content_addressed_version(app_client: TestClient, tenant: str, tmp_path: Path) -> None:
    version = publish(app_client, f"{tenant}/bot", tmp_path, description="first", labels={"team": "support"})
    assert version["name"] == f"{tenant}/bot:v1"
    assert (version["number"], version["rank"], version["alpha"]) == (1, 4, 8.0)
    assert version["target_modules"] == ["q_proj", "v_proj"]
    assert version["labels"] == {"team": "support"} and version["base_model"] == BASE_MODEL
    # Every file's digest is recorded, and the stored bytes match it.
    stored = Path(urlparse(version["artifact_uri"]).path)
    assert version["artifact_digest"] in version["artifact_uri"]
    assert {f["name"] for f in version["files"]} == {"README.md", "adapter_config.json", "adapter_model.safetensors"}
    for file in version["files"]:
        data = (stored / file["name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == file["sha256"] and len(data) == file["size"]
    assert version["size_bytes"] == sum(f["size"] for f in version["files"])


def test_first_version_gets_the_default_route(app_client: TestClient, tenant: str, tmp_path: Path) -> None:
    publish(app_client, f"{tenant}/bot", tmp_path)
    route = app_client.get(f"/v1/adapters/{tenant}/bot/routes/default").json()
    assert [(a["version"], a["weight"]) for a in route["current"]["arms"]] == [(1, 100)]
    publish(app_client, f"{tenant}/bot", tmp_path, alpha=16.0)
    # Later versions get no traffic until a split says so.
    route = app_client.get(f"/v1/adapters/{tenant}/bot/routes/default").json()
    assert route["current"]["number"] == 1


def test_numbers_increase_without_gaps_after_failures(app_client: TestClient, tenant: str, tmp_path: Path) -> None:
    publish(app_client, f"{tenant}/bot", tmp_path)
    bad = make_adapter(tmp_path / "bad", rank=4, tensor_rank=8)
    assert upload(app_client, f"{tenant}/bot", bad).status_code == 400
    assert publish(app_client, f"{tenant}/bot", tmp_path, alpha=3.0)["number"] == 2
    assert [v["number"] for v in versions_of(app_client, f"{tenant}/bot")] == [1, 2]


def test_show_and_list_and_deprecate(app_client: TestClient, tenant: str, tmp_path: Path) -> None:
    publish(app_client, f"{tenant}/bot", tmp_path)
    assert app_client.get(f"/v1/adapters/{tenant}/bot/versions/1").json()["status"] == "active"
    shown = app_client.get(f"/v1/adapters/{tenant}/bot").json()
    assert (shown["versions"], shown["base_model"]) == (1, BASE_MODEL)
    assert f"{tenant}/bot" in [f"{a['tenant']}/{a['name']}" for a in app_client.get("/v1/adapters").json()]
    deprecated = app_client.post(f"/v1/adapters/{tenant}/bot/versions/1/deprecate").json()
    assert deprecated["status"] == "deprecated"
    assert error_of(app_client.post(f"/v1/adapters/{tenant}/bot/versions/1/deprecate"))[0] == 409
    assert error_of(app_client.get(f"/v1/adapters/{tenant}/bot/versions/7"))[0] == 404


BROKEN = {
    "missing adapter_config.json": ("config", None, "adapter_config.json"),
    "garbled adapter_config.json": ("config-text", "{not json", "adapter_config.json"),
    "peft_type not LORA": ("override", {"peft_type": "IA3"}, "LORA"),
    "rank above the maximum": ("override", {"r": 128}, "rank"),
    "DoRA": ("override", {"use_dora": True}, "DoRA"),
    "bias": ("override", {"bias": "all"}, "bias"),
    "modules_to_save": ("override", {"modules_to_save": ["lm_head"]}, "modules_to_save"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_adapter_config_is_refused(app_client: TestClient, tenant: str, tmp_path: Path, case: str) -> None:
    kind, value, message = BROKEN[case]
    directory = make_adapter(tmp_path / "a", rank=128 if case == "rank above the maximum" else 4)
    config_path = directory / "adapter_config.json"
    if kind == "config":
        config_path.unlink()
    elif kind == "config-text":
        config_path.write_text(value)
    else:
        config_path.write_text(json.dumps({**json.loads(config_path.read_text()), **value}))
    status, error, detail = error_of(upload(app_client, f"{tenant}/bot", directory))
    assert (status, error) == (400, "invalid_input")
    assert message.lower() in detail.lower(), detail
    assert error_of(app_client.get(f"/v1/adapters/{tenant}/bot"))[0] == 404  # no adapter, no version


def test_pickle_weights_are_refused(app_client: TestClient, tenant: str, tmp_path: Path) -> None:
    directory = make_adapter(tmp_path / "a")
    (directory / "adapter_model.safetensors").rename(directory / "adapter_model.bin")
    status, _, detail = error_of(upload(app_client, f"{tenant}/bot", directory))
    assert status == 400 and ".bin" in detail


def test_truncated_safetensors_is_refused(app_client: TestClient, tenant: str, tmp_path: Path) -> None:
    directory = make_adapter(tmp_path / "a")
    weights = directory / "adapter_model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-100])
    status, _, detail = error_of(upload(app_client, f"{tenant}/bot", directory))
    assert status == 400 and "adapter_model.safetensors" in detail


def test_shapes_not_matching_rank_or_base_model(app_client: TestClient, tenant: str, tmp_path: Path) -> None:
    wrong_rank = make_adapter(tmp_path / "r", rank=4, tensor_rank=8)
    status, _, detail = error_of(upload(app_client, f"{tenant}/bot", wrong_rank))
    assert status == 400 and "lora_A" in detail
    from control_plane.base_models.fingerprint import Fingerprint
    from tests.support.peft_factory import SMOLLM2_135M

    bigger = Fingerprint(**{**SMOLLM2_135M.to_dict(), "hidden_size": 1024, "head_dim": 1024 // 9})
    wrong_model = make_adapter(tmp_path / "m", bigger, layers=[0])
    status, _, detail = error_of(upload(app_client, f"{tenant}/bot", wrong_model))
    assert status == 400 and "576" in detail


def test_unknown_base_model(app_client: TestClient, tenant: str, tmp_path: Path) -> None:
    status, _, detail = error_of(upload(app_client, f"{tenant}/bot", make_adapter(tmp_path / "a"), base_model="nope"))
    assert status == 404 and "base model 'nope'" in detail


@pytest.mark.parametrize("ref", ["{t}/Bot", "{t}/" + "b" * 200, "{t}/a..b", "{t}/a_b"])
def test_bad_adapter_names(app_client: TestClient, tenant: str, tmp_path: Path, ref: str) -> None:
    status, _, detail = error_of(upload(app_client, ref.format(t=tenant), make_adapter(tmp_path / "a")))
    assert status == 400 and "invalid adapter name" in detail


def test_declared_digests_must_match(app_client: TestClient, tenant: str, tmp_path: Path) -> None:
    directory = make_adapter(tmp_path / "a")
    declared = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in directory.iterdir()}
    declared["adapter_model.safetensors"] = "0" * 64
    status, _, detail = error_of(upload(app_client, f"{tenant}/bot", directory, sha256=declared))
    assert status == 400 and "digests" in detail
    assert versions_of(app_client, f"{tenant}/bot") == []


def test_bad_metadata_and_file_names(app_client: TestClient, tenant: str, tmp_path: Path) -> None:
    directory = make_adapter(tmp_path / "a")
    response = app_client.post(
        f"/v1/adapters/{tenant}/bot/versions",
        data={"metadata": "{"},
        files=[("files", ("adapter_config.json", (directory / "adapter_config.json").read_bytes()))],
    )
    assert error_of(response)[:2] == (400, "invalid_input")
    response = app_client.post(
        f"/v1/adapters/{tenant}/bot/versions",
        data={"metadata": json.dumps({"base_model": BASE_MODEL})},
        files=[("files", ("../evil.json", b"{}"))],
    )
    status, _, detail = error_of(response)
    assert status == 400 and "invalid file name" in detail


def test_tenant_key_publishes_only_to_its_tenant(app_client: TestClient, tenant: str, tmp_path: Path) -> None:
    other = tenant + "-o"
    app_client.post("/v1/tenants", json={"name": other}).raise_for_status()
    key = tenant_key(app_client, tenant)
    directory = make_adapter(tmp_path / "a")
    assert upload(app_client, f"{tenant}/bot", directory, headers=as_key(key)).status_code == 201
    status, _, _ = error_of(upload(app_client, f"{other}/bot", directory, headers=as_key(key)))
    assert status == 403
    assert versions_of(app_client, f"{other}/bot") == []


def test_adapter_stays_on_its_base_model(app_client: TestClient, tenant: str, tmp_path: Path) -> None:
    from tests.control_plane.api.conftest import SMOLLM2_CONFIG

    app_client.post("/v1/base-models", json={"name": "twin", "config": SMOLLM2_CONFIG}).raise_for_status()
    publish(app_client, f"{tenant}/bot", tmp_path)
    status, _, detail = error_of(upload(app_client, f"{tenant}/bot", make_adapter(tmp_path / "b"), base_model="twin"))
    assert status == 409 and BASE_MODEL in detail


def test_publish_to_unknown_tenant(app_client: TestClient, tmp_path: Path) -> None:
    status, _, detail = error_of(upload(app_client, "no-such-tenant/bot", make_adapter(tmp_path / "a")))
    assert status == 404 and "no-such-tenant" in detail
