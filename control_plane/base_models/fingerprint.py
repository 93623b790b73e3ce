"""The architecture fingerprint of a base model, read from its Hugging Face `config.json`.

Two models with the same fingerprint accept the same LoRA adapters: the fingerprint holds
every dimension an adapter's tensor shapes depend on.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from control_plane.kit.errors import InvalidInput


@dataclass(frozen=True)
class Fingerprint:
    model_type: str
    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    vocab_size: int
    head_dim: int

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Fingerprint:
        """Read a fingerprint from a `config.json` dict; raise InvalidInput naming a missing key."""
        if not isinstance(config, dict):
            raise InvalidInput("config must be a JSON object (the model's config.json)")
        # Multimodal configs nest the language model's dimensions.
        text = config.get("text_config")
        source = text if isinstance(text, dict) and "hidden_size" in text else config
        required = (
            "model_type",
            "hidden_size",
            "intermediate_size",
            "num_hidden_layers",
            "num_attention_heads",
            "vocab_size",
        )
        missing = [key for key in required if key not in source]
        if missing:
            raise InvalidInput(f"config.json lacks {', '.join(missing)}")
        try:
            heads = int(source["num_attention_heads"])
            hidden = int(source["hidden_size"])
            head_dim = source.get("head_dim") or hidden // heads
            fingerprint = cls(
                model_type=str(source["model_type"]),
                hidden_size=hidden,
                intermediate_size=int(source["intermediate_size"]),
                num_hidden_layers=int(source["num_hidden_layers"]),
                num_attention_heads=heads,
                num_key_value_heads=int(source.get("num_key_value_heads") or heads),
                vocab_size=int(source["vocab_size"]),
                head_dim=int(head_dim),
            )
        except (TypeError, ValueError, ZeroDivisionError) as exc:
            raise InvalidInput(f"config.json has a non-numeric dimension: {exc}") from exc
        if min(
            fingerprint.hidden_size,
            fingerprint.intermediate_size,
            fingerprint.num_hidden_layers,
            fingerprint.num_attention_heads,
            fingerprint.num_key_value_heads,
            fingerprint.vocab_size,
            fingerprint.head_dim,
        ) <= 0:
            raise InvalidInput("config.json dimensions must be positive")
        return fingerprint

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fingerprint:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
