"""Synthetic PEFT LoRA adapter directories, laid out exactly as `peft` saves them.

`make_adapter` writes a valid adapter; its knobs (config overrides, a different tensor rank or
base model, tensors dropped or added) produce each broken variant the validator must refuse.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import save_file

from control_plane.adapters.validation import ADAPTER_CONFIG, ADAPTER_WEIGHTS, module_shapes
from control_plane.base_models.fingerprint import Fingerprint

#: HuggingFaceTB/SmolLM2-135M(-Instruct), the demo base model.
SMOLLM2_135M = Fingerprint(
    model_type="llama",
    hidden_size=576,
    intermediate_size=1536,
    num_hidden_layers=30,
    num_attention_heads=9,
    num_key_value_heads=3,
    vocab_size=49152,
    head_dim=64,
)


def tensor_name(layer: int, parent: str, module: str, half: str) -> str:
    return f"base_model.model.model.layers.{layer}.{parent}.{module}.lora_{half}.weight"


def lora_tensors(
    fingerprint: Fingerprint,
    rank: int,
    target_modules: Iterable[str],
    layers: Iterable[int] | None = None,
    module_ranks: dict[str, int] | None = None,
) -> dict[str, np.ndarray]:
    """lora_A [rank, in] and lora_B [out, rank] for each module and layer (float16, seeded);
    `module_ranks` gives some modules another rank."""
    shapes = module_shapes(fingerprint)
    rng = np.random.default_rng(0)
    tensors = {}
    for layer in range(fingerprint.num_hidden_layers) if layers is None else layers:
        for module in target_modules:
            shape = shapes[module]
            module_rank = (module_ranks or {}).get(module, rank)
            a = rng.standard_normal((module_rank, shape.in_features)).astype(np.float16)
            b = np.zeros((shape.out_features, module_rank), dtype=np.float16)
            tensors[tensor_name(layer, shape.parent, module, "A")] = a
            tensors[tensor_name(layer, shape.parent, module, "B")] = b
    return tensors


def adapter_config(rank: int, alpha: float, target_modules: Iterable[str], **overrides: Any) -> dict[str, Any]:
    """The fields `peft` writes that matter here; `overrides` replace or add fields."""
    config: dict[str, Any] = {
        "peft_type": "LORA",
        "task_type": "CAUSAL_LM",
        "base_model_name_or_path": "HuggingFaceTB/SmolLM2-135M-Instruct",
        "r": rank,
        "lora_alpha": alpha,
        "lora_dropout": 0.0,
        "target_modules": sorted(target_modules),
        "bias": "none",
        "use_dora": False,
        "use_rslora": False,
        "modules_to_save": None,
        "rank_pattern": {},
        "alpha_pattern": {},
        "fan_in_fan_out": False,
        "inference_mode": True,
    }
    config.update(overrides)
    return config


def write_adapter(path: Path, config: dict[str, Any], tensors: dict[str, np.ndarray]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / ADAPTER_CONFIG).write_text(json.dumps(config, indent=2))
    save_file(tensors, str(path / ADAPTER_WEIGHTS))
    return path


def make_adapter(
    path: Path,
    fingerprint: Fingerprint = SMOLLM2_135M,
    *,
    rank: int = 4,
    alpha: float = 8.0,
    target_modules: Iterable[str] = ("q_proj", "v_proj"),
    layers: Iterable[int] | None = None,
    rank_pattern: dict[str, int] | None = None,
    tensor_rank: int | None = None,
    drop_tensors: Iterable[str] = (),
    extra_tensors: dict[str, np.ndarray] | None = None,
    **config_overrides: Any,
) -> Path:
    """A valid adapter for `fingerprint` (`rank_pattern` maps module names to their own rank),
    unless a knob breaks it: `tensor_rank` writes tensors of another rank than the config says,
    `drop_tensors` leaves tensors out, `extra_tensors` adds some, and `config_overrides` replace
    adapter_config.json fields."""
    modules = list(target_modules)
    tensors = lora_tensors(fingerprint, tensor_rank or rank, modules, layers, rank_pattern)
    for name in drop_tensors:
        del tensors[name]
    tensors.update(extra_tensors or {})
    config = adapter_config(rank, alpha, modules, rank_pattern=rank_pattern or {}, **config_overrides)
    write_adapter(path, config, tensors)
    (path / "README.md").write_text("# test adapter\n")  # peft writes a model card too
    return path
