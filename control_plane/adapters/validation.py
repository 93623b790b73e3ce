"""Validate a PEFT LoRA adapter directory against a base model's architecture, before upload.

Everything vLLM would trip over later is refused here with a message naming the file or tensor:
pickled weights, unsupported PEFT features, ranks above the limit, and tensor names or shapes
that do not fit the base model. The safetensors header is parsed by hand, so no weights are read.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from control_plane.base_models.fingerprint import Fingerprint
from control_plane.kit.errors import InvalidInput
from control_plane.workers.protocol import FileDigest

ADAPTER_CONFIG = "adapter_config.json"
ADAPTER_WEIGHTS = "adapter_model.safetensors"
PICKLE_SUFFIXES = frozenset({".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt"})
#: Harmless extras an adapter directory may carry (model card, tokenizer files, notes).
EXTRA_SUFFIXES = frozenset({".json", ".txt", ".model", ".md"})

# module -> (parent, in_features, out_features); dimensions are names from `_dimensions`.
_LLAMA_MODULES = {
    "q_proj": ("self_attn", "hidden", "attention"),
    "k_proj": ("self_attn", "hidden", "key_value"),
    "v_proj": ("self_attn", "hidden", "key_value"),
    "o_proj": ("self_attn", "attention", "hidden"),
    "gate_proj": ("mlp", "hidden", "intermediate"),
    "up_proj": ("mlp", "hidden", "intermediate"),
    "down_proj": ("mlp", "intermediate", "hidden"),
}
_PHI3_MODULES = {
    "qkv_proj": ("self_attn", "hidden", "qkv"),
    "o_proj": ("self_attn", "attention", "hidden"),
    "gate_up_proj": ("mlp", "hidden", "gate_up"),
    "down_proj": ("mlp", "intermediate", "hidden"),
}
_LLAMA_FAMILY = (
    "llama", "mistral", "qwen2", "qwen3", "gemma", "gemma2", "gemma3_text",
    "granite", "olmo", "olmo2", "smollm3",
)  # fmt: skip
ARCHITECTURES: dict[str, dict[str, tuple[str, str, str]]] = {
    **{model_type: _LLAMA_MODULES for model_type in _LLAMA_FAMILY},
    "phi3": _PHI3_MODULES,
}

_DTYPE_SIZES = {
    "BOOL": 1, "U8": 1, "I8": 1, "F8_E4M3": 1, "F8_E5M2": 1,
    "U16": 2, "I16": 2, "F16": 2, "BF16": 2,
    "U32": 4, "I32": 4, "F32": 4,
    "U64": 8, "I64": 8, "F64": 8,
}  # fmt: skip
_FLOAT_DTYPES = frozenset({"F16", "BF16", "F32", "F64"})
_MAX_HEADER_BYTES = 100 * 1024 * 1024  # the safetensors format's own limit
_CHUNK = 1024 * 1024
_LORA_TENSOR = re.compile(
    r"base_model\.model\.model\.layers\.(?P<layer>0|[1-9][0-9]*)\."
    r"(?P<parent>self_attn|mlp)\.(?P<module>\w+)\.lora_(?P<half>[AB])\.weight"
)
_EXPECTED_TENSOR = "base_model.model.model.layers.<i>.<self_attn|mlp>.<module>.lora_<A|B>.weight"


@dataclass(frozen=True)
class ModuleShape:
    parent: str
    in_features: int
    out_features: int


@dataclass(frozen=True)
class TensorInfo:
    dtype: str
    shape: tuple[int, ...]


@dataclass(frozen=True)
class AdapterSummary:
    #: The largest rank in the adapter (`r`, or a larger `rank_pattern` value).
    rank: int
    alpha: float
    target_modules: list[str]
    files: list[FileDigest]
    artifact_digest: str


def known_modules(model_type: str) -> list[str]:
    """The LoRA-targetable module names of an architecture (InvalidInput if it has no rules)."""
    return sorted(_architecture(model_type))


def module_shapes(fingerprint: Fingerprint) -> dict[str, ModuleShape]:
    dims = _dimensions(fingerprint)
    return {
        name: ModuleShape(parent, dims[in_dim], dims[out_dim])
        for name, (parent, in_dim, out_dim) in _architecture(fingerprint.model_type).items()
    }


def digest_files(directory: Path) -> list[FileDigest]:
    """sha256 and size of every top-level file in `directory`, sorted by name."""
    digests = []
    for path in sorted(directory.iterdir()):
        if not path.is_file():
            continue
        sha, size = hashlib.sha256(), 0
        with path.open("rb") as stream:
            while chunk := stream.read(_CHUNK):
                sha.update(chunk)
                size += len(chunk)
        digests.append(FileDigest(name=path.name, sha256=sha.hexdigest(), size=size))
    return digests


def artifact_digest(files: list[FileDigest]) -> str:
    """The content address of a whole artifact: sha256 over sorted `name\\0sha256\\n` lines."""
    lines = "".join(f"{file.name}\0{file.sha256}\n" for file in sorted(files, key=lambda f: f.name))
    return hashlib.sha256(lines.encode()).hexdigest()


def validate_adapter_dir(path: Path, fingerprint: Fingerprint, max_rank: int) -> AdapterSummary:
    """Check that `path` is a LoRA adapter vLLM can serve on a base model with `fingerprint`."""
    shapes = module_shapes(fingerprint)
    _check_listing(path)
    config = _read_config(path / ADAPTER_CONFIG)
    _refuse_unsupported_features(config)
    rank, rank_for = _ranks(config, max_rank)
    alpha = config.get("lora_alpha")
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)):
        raise InvalidInput(f"{ADAPTER_CONFIG}: lora_alpha must be a number, got {alpha!r}")
    is_target = _target_matcher(config.get("target_modules"), fingerprint.model_type)
    tensors = read_safetensors_header(path / ADAPTER_WEIGHTS)
    modules = _check_tensors(tensors, shapes, fingerprint, is_target, rank_for)
    files = digest_files(path)
    return AdapterSummary(
        rank=rank,
        alpha=float(alpha),
        target_modules=sorted(modules),
        files=files,
        artifact_digest=artifact_digest(files),
    )


def read_safetensors_header(path: Path) -> dict[str, TensorInfo]:
    """Parse and check a safetensors header: known dtypes, sizes matching shapes, and data
    offsets that are in bounds, contiguous and end exactly at the end of the file (which is
    what catches a truncated or padded file)."""
    name = path.name
    file_size = path.stat().st_size
    with path.open("rb") as stream:
        prefix = stream.read(8)
        if len(prefix) < 8:
            raise InvalidInput(f"{name} is truncated: it is shorter than the 8-byte header length")
        (header_len,) = struct.unpack("<Q", prefix)
        if header_len > _MAX_HEADER_BYTES or 8 + header_len > file_size:
            raise InvalidInput(
                f"{name} has a corrupt header: it declares a {header_len}-byte header in a "
                f"{file_size}-byte file"
            )
        raw = stream.read(header_len)
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"{name} has a corrupt header: it is not valid JSON ({exc})") from exc
    if not isinstance(header, dict):
        raise InvalidInput(f"{name} has a corrupt header: it is not a JSON object")
    header.pop("__metadata__", None)

    tensors: dict[str, TensorInfo] = {}
    spans: list[tuple[int, int, str]] = []
    for tensor, entry in header.items():
        info, begin, end = _tensor_entry(name, tensor, entry)
        tensors[tensor] = info
        spans.append((begin, end, tensor))
    position = 0
    for begin, end, tensor in sorted(spans):
        if begin != position:
            raise InvalidInput(
                f"{name} has a corrupt header: tensor {tensor} starts at byte {begin}, expected "
                f"{position} (data must be contiguous)"
            )
        position = end
    expected_size = 8 + header_len + position
    if expected_size != file_size:
        state = "truncated" if file_size < expected_size else "corrupt (trailing bytes)"
        raise InvalidInput(f"{name} is {state}: it has {file_size} bytes but its header describes {expected_size}")
    return tensors


def _tensor_entry(name: str, tensor: str, entry: Any) -> tuple[TensorInfo, int, int]:
    def corrupt(problem: str) -> InvalidInput:
        return InvalidInput(f"{name} has a corrupt header: tensor {tensor} {problem}")

    if not isinstance(entry, dict):
        raise corrupt("is not described by a JSON object")
    dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
    if dtype not in _DTYPE_SIZES:
        raise corrupt(f"has an unknown dtype {dtype!r}")
    if not isinstance(shape, list) or not all(_is_count(dim) for dim in shape):
        raise corrupt(f"has an invalid shape {shape!r}")
    if (
        not isinstance(offsets, list)
        or len(offsets) != 2
        or not all(_is_count(offset) for offset in offsets)
        or offsets[0] > offsets[1]
    ):
        raise corrupt(f"has invalid data_offsets {offsets!r}")
    elements = 1
    for dim in shape:
        elements *= dim
    if offsets[1] - offsets[0] != elements * _DTYPE_SIZES[dtype]:
        raise corrupt(f"has {offsets[1] - offsets[0]} bytes of data for a {dtype} tensor of shape {shape}")
    return TensorInfo(dtype=dtype, shape=tuple(shape)), offsets[0], offsets[1]


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _architecture(model_type: str) -> dict[str, tuple[str, str, str]]:
    try:
        return ARCHITECTURES[model_type]
    except KeyError:
        raise InvalidInput(
            f"no shape rules for architecture {model_type!r}; supported: {', '.join(sorted(ARCHITECTURES))}"
        ) from None


def _dimensions(fp: Fingerprint) -> dict[str, int]:
    return {
        "hidden": fp.hidden_size,
        "intermediate": fp.intermediate_size,
        "attention": fp.num_attention_heads * fp.head_dim,
        "key_value": fp.num_key_value_heads * fp.head_dim,
        "qkv": (fp.num_attention_heads + 2 * fp.num_key_value_heads) * fp.head_dim,
        "gate_up": 2 * fp.intermediate_size,
    }


def _check_listing(path: Path) -> None:
    if not path.is_dir():
        raise InvalidInput(f"{path} is not a directory")
    names = set()
    for entry in sorted(path.iterdir()):
        name, suffix = entry.name, entry.suffix.lower()
        if entry.is_symlink():
            raise InvalidInput(f"{name} is a symbolic link: an adapter directory holds plain files only")
        if entry.is_dir():
            raise InvalidInput(f"{name} is a nested directory: an adapter directory holds plain files only")
        if not entry.is_file():
            raise InvalidInput(f"{name} is not a regular file")
        if suffix in PICKLE_SUFFIXES:
            raise InvalidInput(
                f"{name} is a pickle file ({suffix}): only safetensors weights are accepted "
                f"({ADAPTER_WEIGHTS}; save with safe_serialization=True)"
            )
        if name != ADAPTER_WEIGHTS and suffix not in EXTRA_SUFFIXES:
            raise InvalidInput(
                f"unexpected file {name}: an adapter directory holds {ADAPTER_CONFIG}, {ADAPTER_WEIGHTS} "
                f"and optionally {', '.join(sorted(EXTRA_SUFFIXES))} files"
            )
        names.add(name)
    for required in (ADAPTER_CONFIG, ADAPTER_WEIGHTS):
        if required not in names:
            raise InvalidInput(f"{required} is missing from {path}")


def _read_config(path: Path) -> dict[str, Any]:
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{ADAPTER_CONFIG} is not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"{ADAPTER_CONFIG} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    if not isinstance(config, dict):
        raise InvalidInput(f"{ADAPTER_CONFIG} must hold a JSON object")
    if config.get("peft_type") != "LORA":
        raise InvalidInput(
            f"{ADAPTER_CONFIG}: peft_type is {config.get('peft_type')!r}; only LORA adapters are supported"
        )
    return config


def _refuse_unsupported_features(config: dict[str, Any]) -> None:
    if config.get("use_dora"):
        raise InvalidInput(f"{ADAPTER_CONFIG}: DoRA adapters (use_dora: true) are not supported")
    if config.get("bias", "none") != "none":
        raise InvalidInput(f"{ADAPTER_CONFIG}: bias {config['bias']!r} is not supported; train with bias='none'")
    if config.get("lora_bias"):
        raise InvalidInput(f"{ADAPTER_CONFIG}: lora_bias is not supported")
    if config.get("modules_to_save"):
        raise InvalidInput(
            f"{ADAPTER_CONFIG}: modules_to_save {config['modules_to_save']!r} is not supported "
            "(it replaces whole base-model modules); train without it"
        )


def _ranks(config: dict[str, Any], max_rank: int) -> tuple[int, Callable[[str], int]]:
    """The adapter's largest rank, and the rank of a module name (`rank_pattern` over `r`)."""
    rank = config.get("r")
    if not _is_count(rank) or rank == 0:
        raise InvalidInput(f"{ADAPTER_CONFIG}: r must be a positive integer, got {rank!r}")
    if rank > max_rank:
        raise InvalidInput(f"{ADAPTER_CONFIG}: rank r={rank} exceeds the maximum LoRA rank {max_rank}")
    pattern_ranks = config.get("rank_pattern") or {}
    if not isinstance(pattern_ranks, dict):
        raise InvalidInput(f"{ADAPTER_CONFIG}: rank_pattern must be an object of pattern -> rank")
    patterns: list[tuple[re.Pattern[str], int]] = []
    for pattern, value in pattern_ranks.items():
        if not _is_count(value) or value == 0:
            raise InvalidInput(f"{ADAPTER_CONFIG}: rank_pattern[{pattern!r}] must be a positive integer")
        if value > max_rank:
            raise InvalidInput(
                f"{ADAPTER_CONFIG}: rank_pattern[{pattern!r}]={value} exceeds the maximum LoRA rank {max_rank}"
            )
        # PEFT's own rule (peft.utils.other.get_pattern_key): a pattern matches a name's suffix.
        patterns.append((_compile(rf"(.*\.)?({pattern})$", "rank_pattern key"), value))

    def rank_for(module_name: str) -> int:
        return next((value for regex, value in patterns if regex.match(module_name)), rank)

    return max([rank, *pattern_ranks.values()]), rank_for


def _target_matcher(targets: Any, model_type: str) -> Callable[[str], bool]:
    """Whether PEFT targets a module name like `model.layers.3.self_attn.q_proj`."""
    if isinstance(targets, str):
        regex = _compile(targets, "target_modules regex")
        return lambda module_name: regex.fullmatch(module_name) is not None
    if not isinstance(targets, list) or not targets or not all(isinstance(t, str) for t in targets):
        raise InvalidInput(f"{ADAPTER_CONFIG}: target_modules must be a list of module names or a regex")
    known = known_modules(model_type)
    # PEFT matches list entries as name suffixes, so `self_attn.q_proj` means `q_proj`.
    short_names = {target.rsplit(".", 1)[-1] for target in targets}
    for short_name in sorted(short_names):
        if short_name not in known:
            raise InvalidInput(
                f"{ADAPTER_CONFIG}: target module {short_name!r} is not known for {model_type} "
                f"(known: {', '.join(known)})"
            )
    return lambda module_name: module_name.rsplit(".", 1)[-1] in short_names


def _compile(pattern: str, what: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise InvalidInput(f"{ADAPTER_CONFIG}: invalid {what} {pattern!r}: {exc}") from exc


def _check_tensors(
    tensors: dict[str, TensorInfo],
    shapes: dict[str, ModuleShape],
    fingerprint: Fingerprint,
    is_target: Callable[[str], bool],
    rank_for: Callable[[str], int],
) -> set[str]:
    """Check every tensor against the base model; return the adapted module names."""
    halves: dict[str, set[str]] = defaultdict(set)
    layers = fingerprint.num_hidden_layers
    for tensor in sorted(tensors):
        match = _LORA_TENSOR.fullmatch(tensor)
        if match is None:
            raise InvalidInput(f"unexpected tensor {tensor} in {ADAPTER_WEIGHTS}: expected {_EXPECTED_TENSOR}")
        layer, parent, module, half = int(match["layer"]), match["parent"], match["module"], match["half"]
        shape = shapes.get(module)
        if shape is None:
            raise InvalidInput(
                f"tensor {tensor} adapts {module!r}, which is not a module of {fingerprint.model_type} "
                f"(known: {', '.join(sorted(shapes))})"
            )
        if parent != shape.parent:
            raise InvalidInput(f"tensor {tensor}: {module} is under {shape.parent}, not {parent}")
        if layer >= layers:
            raise InvalidInput(
                f"tensor {tensor} is for layer {layer}, but the base model has {layers} layers (0-{layers - 1})"
            )
        module_name = f"model.layers.{layer}.{parent}.{module}"
        if not is_target(module_name):
            raise InvalidInput(f"tensor {tensor} adapts {module_name}, which target_modules does not include")
        _check_shape(tensor, tensors[tensor], half, shape, module, rank_for(module_name))
        halves[module_name].add(half)
    if not halves:
        raise InvalidInput(f"{ADAPTER_WEIGHTS} holds no LoRA tensors")
    for module_name, present in sorted(halves.items()):
        if present != {"A", "B"}:
            (have,) = present
            missing = "B" if have == "A" else "A"
            raise InvalidInput(f"lora_{have} of {module_name} has no matching lora_{missing} in {ADAPTER_WEIGHTS}")
    return {module_name.rsplit(".", 1)[-1] for module_name in halves}


def _check_shape(tensor: str, info: TensorInfo, half: str, shape: ModuleShape, module: str, rank: int) -> None:
    """lora_A is [rank, in_features] and lora_B is [out_features, rank]."""
    if info.dtype not in _FLOAT_DTYPES:
        raise InvalidInput(f"tensor {tensor} has dtype {info.dtype}; LoRA weights must be floating point")
    if half == "A":
        expected, rank_axis, base_axis = [rank, shape.in_features], 0, 1
        base_dim = f"the base model's {module} takes {shape.in_features} input features"
    else:
        expected, rank_axis, base_axis = [shape.out_features, rank], 1, 0
        base_dim = f"the base model's {module} has {shape.out_features} output features"
    actual = list(info.shape)
    if len(actual) != 2:
        raise InvalidInput(f"tensor {tensor} has shape {actual}; expected a matrix {expected}")
    if actual[rank_axis] != rank:
        raise InvalidInput(
            f"tensor {tensor} has shape {actual}, i.e. rank {actual[rank_axis]}, but {ADAPTER_CONFIG} "
            f"gives rank {rank} (expected {expected})"
        )
    if actual[base_axis] != expected[base_axis]:
        raise InvalidInput(
            f"tensor {tensor} has shape {actual} but {base_dim} (expected {expected}): "
            "was the adapter trained for another base model?"
        )
