"""`adapterctl publish`: local validation before upload, the upload itself, remote sources, and
every refusal leaving no version behind."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from control_plane.adapters.validation import digest_files
from control_plane.base_models.fingerprint import Fingerprint
from tests.control_plane.cli.adapterctl.conftest import BASE_MODEL, Cli, error_line, publish_via_api
from tests.control_plane.conftest import unique_name
from tests.support.peft_factory import SMOLLM2_135M

MakeAdapter = Callable[..., Path]
UPLOADING = "uploading "


def versions_of(cli: Cli, ref: str) -> list[str]:
    return [version["name"] for version in cli.json("versions", "list", ref)]


def test_publish_a_local_directory(cli: Cli, tenant: str, base_model: str, adapter_dir: MakeAdapter) -> None:
    ref = f"{tenant}/support-bot"
    first = adapter_dir(rank=4)
    result = cli.ok("publish", ref, str(first), "--base-model", base_model, "--description", "first cut")
    assert result.stdout == f"{ref}:v1 published\n"
    assert f"{UPLOADING}{ref} (3 files, " in result.stderr  # progress goes to stderr

    second = adapter_dir(rank=8, target_modules=("q_proj", "k_proj", "v_proj", "o_proj"))
    labels = ["--label", "run=42", "--label", "team=support"]
    published = cli.json("publish", ref, str(second), "--base-model", base_model, *labels)
    assert published["name"] == f"{ref}:v2"
    assert published["rank"] == 8 and published["target_modules"] == ["k_proj", "o_proj", "q_proj", "v_proj"]
    assert published["labels"] == {"run": "42", "team": "support"}
    assert published["source"] == "upload"
    # The server stored exactly the bytes the client digested.
    assert {f["name"]: f["sha256"] for f in published["files"]} == {f.name: f.sha256 for f in digest_files(second)}

    assert versions_of(cli, ref) == [f"{ref}:v1", f"{ref}:v2"]
    assert cli.json("versions", "show", f"{ref}:v1")["description"] == "first cut"
    # The first version took all the traffic of the default route.
    assert [r["arms"] for r in cli.json("history", ref)] == [[{"version": 1, "name": f"{ref}:v1", "weight": 100}]]


def test_a_tenant_key_publishes_for_its_own_tenant(
    cli: Cli, tenant: str, base_model: str, adapter_dir: MakeAdapter
) -> None:
    key = cli.json("keys", "create", tenant)["key"]
    published = cli.with_token(key).json("publish", f"{tenant}/bot", str(adapter_dir()), "--base-model", base_model)
    assert published["created_by"].startswith(f"tenant:{tenant}/key:")


@pytest.fixture
def published(admin: httpx.Client, tenant: str, base_model: str, adapter_dir: MakeAdapter) -> str:
    """`tenant/bot` with one version."""
    ref = f"{tenant}/bot"
    publish_via_api(admin, ref, adapter_dir())
    return ref


def _missing_config(path: Path) -> None:
    (path / "adapter_config.json").unlink()


def _unparseable_config(path: Path) -> None:
    (path / "adapter_config.json").write_text('{"peft_type": "LORA", "r": 4,')


def _pickled_weights(path: Path) -> None:
    (path / "adapter_model.bin").write_bytes(b"\x80\x04pickle")


def _unknown_target_module(path: Path) -> None:
    config = json.loads((path / "adapter_config.json").read_text())
    config["target_modules"] = ["q_proj", "v_proj", "embed_tokens"]
    (path / "adapter_config.json").write_text(json.dumps(config))


OTHER_ARCHITECTURE = Fingerprint(**{**SMOLLM2_135M.to_dict(), "hidden_size": 1024})

#: (make_adapter knobs, change to the written directory, the error line).
LOCALLY_REFUSED: dict[str, tuple[dict[str, Any], Callable[[Path], None] | None, str]] = {
    "no adapter_config.json": ({}, _missing_config, "error: adapter_config.json is missing from {path}"),
    "unparseable adapter_config.json": (
        {}, _unparseable_config, "error: adapter_config.json is not valid JSON: Expecting property name enclosed in "
        "double quotes at line 1 column 30",
    ),
    "peft_type not LORA": (
        {"peft_type": "IA3"}, None, "error: adapter_config.json: peft_type is 'IA3'; only LORA adapters are supported",
    ),
    "pickled weights": (
        {}, _pickled_weights, "error: adapter_model.bin is a pickle file (.bin): only safetensors weights are accepted "
        "(adapter_model.safetensors; save with safe_serialization=True)",
    ),
    "unknown target module": (
        {}, _unknown_target_module, "error: adapter_config.json: target module 'embed_tokens' is not known for llama "
        "(known: down_proj, gate_proj, k_proj, o_proj, q_proj, up_proj, v_proj)",
    ),
    "tensors of another rank": (
        {"rank": 4, "tensor_rank": 8}, None,
        "error: tensor base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight has shape [8, 576], i.e. rank 8, "
        "but adapter_config.json gives rank 4 (expected [4, 576])",
    ),
    "tensors of another base model": (
        {"fingerprint": OTHER_ARCHITECTURE}, None,
        "error: tensor base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight has shape [4, 1024] but the base "
        "model's q_proj takes 576 input features (expected [4, 576]): was the adapter trained for another base model?",
    ),
    "DoRA": ({"use_dora": True}, None, "error: adapter_config.json: DoRA adapters (use_dora: true) are not supported"),
    "modules_to_save": (
        {"modules_to_save": ["lm_head"]}, None,
        "error: adapter_config.json: modules_to_save ['lm_head'] is not supported (it replaces whole base-model "
        "modules); train without it",
    ),
}  # fmt: skip


@pytest.mark.parametrize("knobs, change, expected", LOCALLY_REFUSED.values(), ids=LOCALLY_REFUSED.keys())
def test_a_bad_adapter_is_refused_before_upload_and_nothing_is_recorded(
    cli: Cli,
    published: str,
    base_model: str,
    adapter_dir: MakeAdapter,
    knobs: dict[str, Any],
    change: Callable[[Path], None] | None,
    expected: str,
) -> None:
    path = adapter_dir(**knobs)
    if change is not None:
        change(path)
    stderr = cli.fails("publish", published, str(path), "--base-model", base_model)
    assert error_line(stderr) == expected.format(path=path.resolve())
    assert UPLOADING not in stderr
    assert versions_of(cli, published) == [f"{published}:v1"]
    assert len(cli.json("history", published)) == 1


def test_a_rank_above_the_servers_maximum_is_refused_by_the_server(
    cli: Cli, published: str, base_model: str, adapter_dir: MakeAdapter
) -> None:
    # adapterctl checks ranks against the largest limit any server may have (512); this one
    # runs with the default ADAPTERPLANE_MAX_LORA_RANK of 64.
    stderr = cli.fails("publish", published, str(adapter_dir(rank=128, layers=[0])), "--base-model", base_model)
    assert error_line(stderr) == "error: adapter_config.json: rank r=128 exceeds the maximum LoRA rank 64"
    assert UPLOADING in stderr
    assert versions_of(cli, published) == [f"{published}:v1"]


BAD_ADAPTER_NAMES = {
    "slash": ("{tenant}/a/b", "error: invalid adapter reference '{ref}': expected tenant/adapter, tenant/adapter:vN or "
              "tenant/adapter@route (lowercase a-z, 0-9, '-')"),
    "dot-dot": ("{tenant}/..", "error: invalid adapter name '..': use 1-63 characters a-z, 0-9 and '-', starting with "
                "a letter or digit"),
    "uppercase": ("{tenant}/Bot", "error: invalid adapter name 'Bot': use 1-63 characters a-z, 0-9 and '-', starting "
                  "with a letter or digit"),
    "too-long": ("{tenant}/" + "b" * 200, "error: invalid adapter name '" + "b" * 200 + "': use 1-63 characters a-z, "
                 "0-9 and '-', starting with a letter or digit"),
    "a version": ("{tenant}/bot:v2", "error: expected tenant/adapter, got '{ref}'"),
}  # fmt: skip


@pytest.mark.parametrize("ref_form, expected", BAD_ADAPTER_NAMES.values(), ids=BAD_ADAPTER_NAMES.keys())
def test_a_bad_adapter_name_is_refused_and_nothing_is_recorded(
    cli: Cli, tenant: str, base_model: str, adapter_dir: MakeAdapter, ref_form: str, expected: str
) -> None:
    ref = ref_form.format(tenant=tenant)
    stderr = cli.fails("publish", ref, str(adapter_dir()), "--base-model", base_model)
    assert error_line(stderr) == expected.format(ref=ref)
    assert cli.json("adapters", "list", "--tenant", tenant) == []


def test_bad_sources_are_refused(cli: Cli, published: str, base_model: str, tmp_path: Path) -> None:
    forms = "a local directory, s3://bucket/prefix or hf://org/repo[@revision]"
    not_a_dir = tmp_path / "adapter.safetensors"
    not_a_dir.write_bytes(b"")
    cases = {
        str(tmp_path / "missing"): f"error: no such directory: {tmp_path / 'missing'}",
        str(not_a_dir): f"error: {not_a_dir} is not a directory: use {forms}",
        "ftp://example.org/adapter": f"error: unsupported source 'ftp://example.org/adapter': use {forms}",
        # Remote sources are fetched by the server, which refuses these without recording anything.
        "s3://bucket": "error: invalid source 's3://bucket': name the adapter's folder, s3://bucket/path/to/adapter",
        "hf://acme/missing-adapter@main": "error: acme/missing-adapter@main is not in the local Hugging Face cache "
        "and the Hub is not used (HF_HUB_OFFLINE is set)",
    }
    for source, expected in cases.items():
        assert error_line(cli.fails("publish", published, source, "--base-model", base_model)) == expected, source
    assert versions_of(cli, published) == [f"{published}:v1"]


def test_missing_tenant_or_base_model(cli: Cli, tenant: str, base_model: str, adapter_dir: MakeAdapter) -> None:
    missing_tenant = unique_name("missing")
    stderr = cli.fails("publish", f"{missing_tenant}/bot", str(adapter_dir()), "--base-model", base_model)
    assert error_line(stderr) == f"error: tenant {missing_tenant!r} does not exist"
    stderr = cli.fails("publish", f"{tenant}/bot", str(adapter_dir()), "--base-model", "no-such-model")
    assert error_line(stderr).startswith("error: base model 'no-such-model' is not registered")
    assert UPLOADING not in stderr
    assert cli.json("adapters", "list", "--tenant", tenant) == []


def test_an_adapter_keeps_its_base_model(
    cli: Cli, published: str, adapter_dir: MakeAdapter, model_config_file: Path
) -> None:
    other_model = unique_name("same-architecture")
    cli.ok("base-models", "add", other_model, "--config", str(model_config_file))
    stderr = cli.fails("publish", published, str(adapter_dir()), "--base-model", other_model)
    assert error_line(stderr) == (
        f"error: {published} is an adapter for base model {BASE_MODEL!r}, not {other_model!r}; "
        "publish under another name"
    )
    assert versions_of(cli, published) == [f"{published}:v1"]


def test_a_tenant_key_cannot_publish_for_another_tenant(
    cli: Cli, published: str, base_model: str, adapter_dir: MakeAdapter
) -> None:
    intruder = cli.json("tenants", "create", unique_name("intruder"))["name"]
    key = cli.json("keys", "create", intruder)["key"]
    stderr = cli.with_token(key).fails("publish", published, str(adapter_dir()), "--base-model", base_model)
    tenant = published.split("/")[0]
    assert error_line(stderr) == f"error: this key belongs to tenant {intruder!r}, not {tenant!r}"
    assert UPLOADING not in stderr  # refused before the upload
    assert versions_of(cli, published) == [f"{published}:v1"]


def test_a_revoked_key_cannot_publish(cli: Cli, published: str, base_model: str, adapter_dir: MakeAdapter) -> None:
    tenant = published.split("/")[0]
    key = cli.json("keys", "create", tenant)
    cli.ok("keys", "revoke", tenant, key["key_id"])
    stderr = cli.with_token(key["key"]).fails("publish", published, str(adapter_dir()), "--base-model", base_model)
    assert error_line(stderr) == "error: invalid, revoked or unknown API key"
    assert versions_of(cli, published) == [f"{published}:v1"]


def test_bad_labels_fail_locally(cli: Cli, published: str, base_model: str, adapter_dir: MakeAdapter) -> None:
    stderr = cli.fails("publish", published, str(adapter_dir()), "--base-model", base_model, "--label", "oops")
    assert error_line(stderr) == "error: invalid label 'oops': use KEY=VALUE, e.g. --label team=support"
    assert versions_of(cli, published) == [f"{published}:v1"]
