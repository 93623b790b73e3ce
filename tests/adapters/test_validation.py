from __future__ import annotations

import hashlib
import json
import struct
from pathlib import Path

import numpy as np
import pytest

from control_plane.adapters.validation import (
    ADAPTER_WEIGHTS,
    artifact_digest,
    digest_files,
    known_modules,
    validate_adapter_dir,
)
from control_plane.base_models.fingerprint import Fingerprint
from control_plane.kit.errors import InvalidInput
from tests.support.peft_factory import SMOLLM2_135M, make_adapter, tensor_name

MAX_RANK = 16


def refused(path: Path, match: str, fingerprint: Fingerprint = SMOLLM2_135M) -> None:
    with pytest.raises(InvalidInput, match=match):
        validate_adapter_dir(path, fingerprint, MAX_RANK)


def edit_config(path: Path, **changes: object) -> None:
    config = json.loads((path / "adapter_config.json").read_text())
    (path / "adapter_config.json").write_text(json.dumps(config | changes))


def rewrite_header(path: Path, edit) -> None:
    """Apply `edit` to the parsed safetensors header, keeping the data bytes as they are."""
    raw = path.read_bytes()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + length])
    edit(header)
    encoded = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(encoded)) + encoded + raw[8 + length :])


def test_a_valid_adapter_passes_with_its_summary(tmp_path: Path) -> None:
    path = make_adapter(tmp_path / "a", rank=8, alpha=16, target_modules=["v_proj", "q_proj", "down_proj"])

    summary = validate_adapter_dir(path, SMOLLM2_135M, MAX_RANK)

    assert (summary.rank, summary.alpha) == (8, 16.0)
    assert summary.target_modules == ["down_proj", "q_proj", "v_proj"]
    assert [f.name for f in summary.files] == ["README.md", "adapter_config.json", "adapter_model.safetensors"]
    weights = (path / ADAPTER_WEIGHTS).read_bytes()
    assert summary.files[2].sha256 == hashlib.sha256(weights).hexdigest()
    assert summary.files[2].size == len(weights)
    lines = "".join(f"{f.name}\0{f.sha256}\n" for f in summary.files)
    assert summary.artifact_digest == hashlib.sha256(lines.encode()).hexdigest()


def test_the_artifact_digest_is_a_content_address(tmp_path: Path) -> None:
    first = validate_adapter_dir(make_adapter(tmp_path / "a"), SMOLLM2_135M, MAX_RANK)
    same = validate_adapter_dir(make_adapter(tmp_path / "b"), SMOLLM2_135M, MAX_RANK)
    other = validate_adapter_dir(make_adapter(tmp_path / "c", alpha=4), SMOLLM2_135M, MAX_RANK)

    assert first.artifact_digest == same.artifact_digest != other.artifact_digest
    assert artifact_digest(digest_files(tmp_path / "a")) == first.artifact_digest


def test_a_regex_target_modules_and_a_layer_subset_pass(tmp_path: Path) -> None:
    path = make_adapter(tmp_path / "a", target_modules=["q_proj", "k_proj"], layers=[0, 29])
    edit_config(path, target_modules=r".*\.(q_proj|k_proj)")

    assert validate_adapter_dir(path, SMOLLM2_135M, MAX_RANK).target_modules == ["k_proj", "q_proj"]


def test_rank_pattern_gives_a_module_its_own_rank(tmp_path: Path) -> None:
    path = make_adapter(tmp_path / "a", rank=4, target_modules=["q_proj", "v_proj"], rank_pattern={"v_proj": 8})

    assert validate_adapter_dir(path, SMOLLM2_135M, MAX_RANK).rank == 8


def test_known_modules_per_architecture() -> None:
    assert known_modules("llama") == ["down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj"]
    assert known_modules("phi3") == ["down_proj", "gate_up_proj", "o_proj", "qkv_proj"]


def test_phi3_fused_modules_pass(tmp_path: Path) -> None:
    phi3 = Fingerprint("phi3", 96, 160, 2, 4, 2, 1000, 24)
    path = make_adapter(tmp_path / "a", phi3, target_modules=["qkv_proj", "gate_up_proj", "o_proj", "down_proj"])

    assert validate_adapter_dir(path, phi3, MAX_RANK).target_modules == [
        "down_proj", "gate_up_proj", "o_proj", "qkv_proj",
    ]  # fmt: skip


def test_an_architecture_without_rules_is_refused(tmp_path: Path) -> None:
    gpt2 = Fingerprint("gpt2", 768, 3072, 12, 12, 12, 50257, 64)
    refused(make_adapter(tmp_path / "a"), "no shape rules for architecture 'gpt2'", gpt2)


# --- files -------------------------------------------------------------------------------------


def test_missing_adapter_config_is_refused(tmp_path: Path) -> None:
    path = make_adapter(tmp_path / "a")
    (path / "adapter_config.json").unlink()
    refused(path, "adapter_config.json is missing")


def test_missing_weights_are_refused(tmp_path: Path) -> None:
    path = make_adapter(tmp_path / "a")
    (path / ADAPTER_WEIGHTS).unlink()
    refused(path, "adapter_model.safetensors is missing")


def test_garbled_config_json_is_refused(tmp_path: Path) -> None:
    path = make_adapter(tmp_path / "a")
    (path / "adapter_config.json").write_text('{"peft_type": "LORA", "r": 8,')
    refused(path, "adapter_config.json is not valid JSON.*line 1")


def test_a_config_that_is_not_an_object_is_refused(tmp_path: Path) -> None:
    path = make_adapter(tmp_path / "a")
    (path / "adapter_config.json").write_text("[1, 2]")
    refused(path, "adapter_config.json must hold a JSON object")


@pytest.mark.parametrize("name", ["adapter_model.bin", "optimizer.pt", "rng_state.pth", "x.pkl", "last.ckpt"])
def test_pickle_weights_are_refused(tmp_path: Path, name: str) -> None:
    path = make_adapter(tmp_path / "a")
    (path / name).write_bytes(b"\x80\x04pickle")
    refused(path, f"{name} is a pickle file.*only safetensors")


@pytest.mark.parametrize("name", ["run.sh", "modeling.py", "lib.so", "extra.safetensors"])
def test_unexpected_files_are_refused(tmp_path: Path, name: str) -> None:
    path = make_adapter(tmp_path / "a")
    (path / name).write_bytes(b"")
    refused(path, f"unexpected file {name}")


def test_tokenizer_and_text_files_are_allowed(tmp_path: Path) -> None:
    path = make_adapter(tmp_path / "a")
    for name in ("tokenizer.json", "tokenizer.model", "notes.txt"):
        (path / name).write_text("x")
    assert len(validate_adapter_dir(path, SMOLLM2_135M, MAX_RANK).files) == 6


def test_nested_directories_are_refused(tmp_path: Path) -> None:
    path = make_adapter(tmp_path / "a")
    (path / "checkpoint-100").mkdir()
    refused(path, "checkpoint-100 is a nested directory")


def test_symlinks_are_refused(tmp_path: Path) -> None:
    path = make_adapter(tmp_path / "a")
    (path / "notes.txt").symlink_to("/etc/hostname")
    refused(path, "notes.txt is a symbolic link")


# --- safetensors --------------------------------------------------------------------------------


def test_truncated_safetensors_are_refused(tmp_path: Path) -> None:
    path = make_adapter(tmp_path / "a")
    weights = path / ADAPTER_WEIGHTS
    weights.write_bytes(weights.read_bytes()[:-100])
    refused(path, "adapter_model.safetensors is truncated")


def test_trailing_bytes_are_refused(tmp_path: Path) -> None:
    path = make_adapter(tmp_path / "a")
    with (path / ADAPTER_WEIGHTS).open("ab") as weights:
        weights.write(b"\0" * 10)
    refused(path, "adapter_model.safetensors is corrupt")


def test_a_file_shorter_than_the_length_prefix_is_refused(tmp_path: Path) -> None:
    path = make_adapter(tmp_path / "a")
    (path / ADAPTER_WEIGHTS).write_bytes(b"\x10\x00")
    refused(path, "adapter_model.safetensors is truncated")


def test_a_header_length_beyond_the_file_is_refused(tmp_path: Path) -> None:
    path = make_adapter(tmp_path / "a")
    (path / ADAPTER_WEIGHTS).write_bytes(struct.pack("<Q", 10**6) + b"{}")
    refused(path, "adapter_model.safetensors has a corrupt header")


def test_a_header_that_is_not_json_is_refused(tmp_path: Path) -> None:
    path = make_adapter(tmp_path / "a")
    (path / ADAPTER_WEIGHTS).write_bytes(struct.pack("<Q", 4) + b"\xff{x}")
    refused(path, "adapter_model.safetensors has a corrupt header: it is not valid JSON")


def test_overlapping_offsets_are_refused(tmp_path: Path) -> None:
    path = make_adapter(tmp_path / "a", layers=[0])

    def overlap(header: dict) -> None:
        entries = sorted((e for k, e in header.items() if k != "__metadata__"), key=lambda e: e["data_offsets"])
        entries[1]["data_offsets"] = [x - 2 for x in entries[1]["data_offsets"]]

    rewrite_header(path / ADAPTER_WEIGHTS, overlap)
    refused(path, "corrupt header: tensor .* starts at byte")


def test_an_unknown_dtype_is_refused(tmp_path: Path) -> None:
    path = make_adapter(tmp_path / "a", layers=[0])
    name = tensor_name(0, "self_attn", "q_proj", "A")
    rewrite_header(path / ADAPTER_WEIGHTS, lambda header: header[name].update(dtype="F13"))
    refused(path, f"tensor {name} has an unknown dtype 'F13'")


def test_a_size_that_does_not_match_the_shape_is_refused(tmp_path: Path) -> None:
    path = make_adapter(tmp_path / "a", layers=[0])
    name = tensor_name(0, "self_attn", "q_proj", "A")
    rewrite_header(path / ADAPTER_WEIGHTS, lambda header: header[name].update(shape=[4, 577]))
    refused(path, f"tensor {name} has 4608 bytes of data for a F16 tensor of shape")


def test_integer_lora_weights_are_refused(tmp_path: Path) -> None:
    path = make_adapter(tmp_path / "a", layers=[0])
    name = tensor_name(0, "self_attn", "q_proj", "A")
    rewrite_header(path / ADAPTER_WEIGHTS, lambda header: header[name].update(dtype="I16"))
    refused(path, f"tensor {name} has dtype I16; LoRA weights must be floating point")


# --- PEFT config ---------------------------------------------------------------------------------


def test_peft_type_other_than_lora_is_refused(tmp_path: Path) -> None:
    refused(make_adapter(tmp_path / "a", peft_type="IA3"), "peft_type is 'IA3'; only LORA")


def test_rank_above_the_maximum_is_refused(tmp_path: Path) -> None:
    refused(make_adapter(tmp_path / "a", rank=32, layers=[0]), "rank r=32 exceeds the maximum LoRA rank 16")


def test_rank_pattern_above_the_maximum_is_refused(tmp_path: Path) -> None:
    path = make_adapter(tmp_path / "a", layers=[0], rank_pattern={"q_proj": 64})
    refused(path, r"rank_pattern\['q_proj'\]=64 exceeds the maximum LoRA rank 16")


def test_dora_is_refused(tmp_path: Path) -> None:
    refused(make_adapter(tmp_path / "a", use_dora=True), "DoRA adapters.*not supported")


@pytest.mark.parametrize("bias", ["all", "lora_only"])
def test_bias_is_refused(tmp_path: Path, bias: str) -> None:
    refused(make_adapter(tmp_path / "a", bias=bias), f"bias '{bias}' is not supported")


def test_modules_to_save_is_refused(tmp_path: Path) -> None:
    path = make_adapter(tmp_path / "a", modules_to_save=["lm_head"])
    refused(path, r"modules_to_save \['lm_head'\] is not supported")


def test_an_unknown_target_module_is_refused(tmp_path: Path) -> None:
    path = make_adapter(tmp_path / "a", target_modules=["q_proj"])
    edit_config(path, target_modules=["q_proj", "c_attn"])
    refused(path, "target module 'c_attn' is not known for llama.*known: down_proj")


# --- tensors against the base model -------------------------------------------------------------


def test_tensor_shapes_not_matching_the_rank_are_refused(tmp_path: Path) -> None:
    path = make_adapter(tmp_path / "a", rank=8, tensor_rank=4)
    refused(path, r"q_proj.lora_A.weight has shape \[4, 576\], i.e. rank 4, but adapter_config.json gives rank 8")


def test_tensor_shapes_not_matching_the_base_model_are_refused(tmp_path: Path) -> None:
    bigger = Fingerprint("llama", 960, 2560, 32, 15, 5, 49152, 64)  # SmolLM2-360M
    path = make_adapter(tmp_path / "a", bigger, layers=[0])
    refused(path, r"q_proj.lora_A.weight has shape \[4, 960\] but the base model's q_proj takes 576 input features")


def test_a_layer_index_out_of_range_is_refused(tmp_path: Path) -> None:
    path = make_adapter(tmp_path / "a", SMOLLM2_135M, layers=[0, 30])
    refused(path, "is for layer 30, but the base model has 30 layers")


def test_lora_a_without_its_b_is_refused(tmp_path: Path) -> None:
    path = make_adapter(tmp_path / "a", drop_tensors=[tensor_name(7, "self_attn", "v_proj", "B")])
    refused(path, "lora_A of model.layers.7.self_attn.v_proj has no matching lora_B")


def test_a_tensor_for_an_untargeted_module_is_refused(tmp_path: Path) -> None:
    extra = {tensor_name(0, "self_attn", "k_proj", half): np.zeros((4, 576) if half == "A" else (192, 4), np.float16)
             for half in "AB"}  # fmt: skip
    path = make_adapter(tmp_path / "a", target_modules=["q_proj"], extra_tensors=extra)
    refused(path, "adapts model.layers.0.self_attn.k_proj, which target_modules does not include")


def test_a_module_under_the_wrong_parent_is_refused(tmp_path: Path) -> None:
    extra = {tensor_name(0, "mlp", "q_proj", "A"): np.zeros((4, 576), np.float16)}
    refused(make_adapter(tmp_path / "a", extra_tensors=extra), "q_proj is under self_attn, not mlp")


def test_tensors_not_named_like_peft_lora_are_refused(tmp_path: Path) -> None:
    extra = {"base_model.model.lm_head.lora_A.weight": np.zeros((4, 576), np.float16)}
    refused(make_adapter(tmp_path / "a", extra_tensors=extra), "unexpected tensor base_model.model.lm_head")


def test_weights_without_lora_tensors_are_refused(tmp_path: Path) -> None:
    refused(make_adapter(tmp_path / "a", layers=[]), "holds no LoRA tensors")


def test_output_features_not_matching_the_base_model_are_refused(tmp_path: Path) -> None:
    no_gqa = Fingerprint("llama", 576, 1536, 30, 9, 9, 49152, 64)  # v_proj out 576 instead of 192
    path = make_adapter(tmp_path / "a", no_gqa, target_modules=["v_proj"], layers=[0])
    refused(path, r"v_proj.lora_B.weight has shape \[576, 4\] but the base model's v_proj has 192 output features")


# --- the real thing -----------------------------------------------------------------------------


@pytest.mark.parametrize("targets", ["listed", "all-linear"])
def test_an_adapter_saved_by_peft_validates(tmp_path: Path, targets: str) -> None:
    """The naming and shape rules are what PEFT really writes (tiny random Llama, GQA, all modules;
    PEFT saves `all-linear` expanded to full module paths)."""
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        hidden_size=64,
        intermediate_size=96,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        vocab_size=128,
    )
    modules = known_modules("llama")
    lora = LoraConfig(
        r=4,
        lora_alpha=8,
        target_modules=modules if targets == "listed" else "all-linear",
        rank_pattern={"down_proj": 2},
    )
    get_peft_model(LlamaForCausalLM(config), lora).save_pretrained(tmp_path / "adapter")

    summary = validate_adapter_dir(tmp_path / "adapter", Fingerprint.from_config(config.to_dict()), MAX_RANK)

    assert (summary.rank, summary.alpha, summary.target_modules) == (4, 8.0, modules)
    assert {f.name for f in summary.files} == {"adapter_config.json", "adapter_model.safetensors", "README.md"}
