"""Every Python package in the source tree is installed (pyproject lists them explicitly)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_is_listed() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    mapped = {package: ROOT / path for package, path in config["package-dir"].items()}
    found = set()
    for top in ("control_plane", "vllm_plugin"):
        for init in (ROOT / top).rglob("__init__.py"):
            found.add(".".join(init.parent.relative_to(ROOT).parts))
    for package, path in mapped.items():
        for init in path.rglob("__init__.py"):
            found.add(".".join([package, *init.parent.relative_to(path).parts]))
    assert found == listed
