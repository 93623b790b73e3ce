"""Local demo assets: the SmolLM2 base model and small LoRA adapters trained on the CPU.

    from control_plane.local import build_base_model, train_adapter, STYLES
    base = build_base_model()                 # cached under ~/.cache/adapterplane/assets
    pirate = train_adapter(base, style="pirate")
    STYLES["pirate"].matches(answer_text)     # tell adapters apart by their answers

Heavy imports (torch, transformers, peft) happen only when something is built.
"""

from control_plane.local.adapters import train_adapter
from control_plane.local.base_model import SERVED_NAME, build_base_model
from control_plane.local.styles import STYLES, Style, style_of

__all__ = ["SERVED_NAME", "STYLES", "Style", "build_base_model", "style_of", "train_adapter"]
