"""docs/cli.md is generated from adapterctl's --help and must match it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[4]


def test_cli_reference_is_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/gen_cli_docs.py", "--check"], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr + "\n(run: python scripts/gen_cli_docs.py)"
