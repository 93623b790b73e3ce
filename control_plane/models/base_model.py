from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from control_plane.base_models.fingerprint import Fingerprint
from control_plane.models.base import Base, utcnow


class BaseModel(Base):
    """A served base model, identified by its served name, with its architecture fingerprint."""

    __tablename__ = "base_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    model_type: Mapped[str] = mapped_column(String(100))
    hidden_size: Mapped[int]
    intermediate_size: Mapped[int]
    num_hidden_layers: Mapped[int]
    num_attention_heads: Mapped[int]
    num_key_value_heads: Mapped[int]
    vocab_size: Mapped[int]
    head_dim: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def fingerprint(self) -> Fingerprint:
        return Fingerprint(
            model_type=self.model_type,
            hidden_size=self.hidden_size,
            intermediate_size=self.intermediate_size,
            num_hidden_layers=self.num_hidden_layers,
            num_attention_heads=self.num_attention_heads,
            num_key_value_heads=self.num_key_value_heads,
            vocab_size=self.vocab_size,
            head_dim=self.head_dim,
        )
