"""Print pip constraints for installing adapterplane into the vLLM image.

Every package the image already has stays at the image's version (vLLM was built and tested with
exactly those: torch, transformers, fastapi...); packages the image lacks get the version from
the lock file. pip then fails the build, instead of silently upgrading vLLM's dependencies, if
adapterplane cannot work with what the image ships.

    python3 worker_constraints.py requirements/control-plane.txt > constraints.txt
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from importlib.metadata import distributions
from pathlib import Path


def canonical(name: str) -> str:
    """PEP 503 normalized project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(text: str) -> dict[str, str]:
    """`name==version` lines of a lock file, by canonical name (comments and blanks skipped)."""
    pins = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==", 1)
            pins[canonical(name)] = version.strip()
    return pins


def constraints(installed: dict[str, str], locked: dict[str, str]) -> list[str]:
    """Installed versions win; the lock fills in the rest."""
    merged = {**locked, **installed}
    return [f"{name}=={version}" for name, version in sorted(merged.items())]


def installed_versions(dists: Iterable = ()) -> dict[str, str]:
    found = {}
    for dist in dists or distributions():
        name = dist.metadata["Name"]
        if name:
            found[canonical(name)] = dist.version
    return found


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    locked = read_lock(Path(argv[1]).read_text())
    print("\n".join(constraints(installed_versions(), locked)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
