from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class BaseModelCreate(BaseModel):
    name: str = Field(description="The name workers serve the model under (--served-model-name)")
    config: dict[str, Any] = Field(description="The model's Hugging Face config.json")


class BaseModelOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    model_type: str
    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    vocab_size: int
    head_dim: int
    created_at: datetime
