"""docs/operations.md stays true to the chart: its values examples render, the names it tells
operators to type exist, and its lists (checkov findings, render errors) match the chart's."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.helm.render import CHART_DIR, REPO_ROOT, render
from tests.helm.checkov_justifications import JUSTIFIED

GUIDE = REPO_ROOT / "docs" / "operations.md"


def guide() -> str:
    return GUIDE.read_text()


def values_blocks() -> dict[str, dict]:
    """```yaml blocks whose first line is `# helm values: NAME`."""
    blocks = {}
    for body in re.findall(r"```yaml\n(.*?)```", guide(), flags=re.S):
        first = body.splitlines()[0]
        if match := re.fullmatch(r"# helm values: (\S+)", first):
            blocks[match.group(1)] = yaml.safe_load(body)
    return blocks


def test_the_guide_covers_what_operators_need() -> None:
    headings = re.findall(r"^## (.+)$", guide(), flags=re.M)
    for topic in ("Install", "Upgrade", "Scaling", "PostgreSQL", "S3", "Backups and restore",
                  "Rotating tokens and credentials", "Troubleshooting", "Build the images", "Monitoring"):
        assert topic in headings


@pytest.mark.parametrize("name", ["production", "ingress", "monitoring"])
def test_values_examples_render(name: str) -> None:
    rendered = render(values_blocks()[name], release="adapterplane", namespace="llm")
    assert rendered.objects


def test_names_in_the_guide_are_the_ones_the_chart_creates() -> None:
    objects = render(values_blocks()["production"], release="adapterplane", namespace="llm").objects
    names = {f"{o['kind'].lower()}/{o['metadata']['name']}" for o in objects}
    references = set(re.findall(r"\b((?:deployment|statefulset|service|job)/adapterplane[-a-z0-9]*)", guide()))
    assert "job/adapterplane-migrate" in references
    for reference in references:
        assert reference in names, reference


def test_checkov_findings_listed_in_the_guide_are_the_justified_ones() -> None:
    listed = set(re.findall(r"\| (CKV_K8S_\d+)(?: / (CKV_K8S_\d+))? ", guide()))
    flat = {check for pair in listed for check in pair if check}
    assert flat == set(JUSTIFIED)


def test_render_errors_in_the_troubleshooting_table_exist_in_the_chart() -> None:
    templates = "\n".join(p.read_text() for p in (CHART_DIR / "templates").rglob("*") if p.is_file())
    section = guide().split("**The chart refuses to render**", 1)[1].split("**Migration Job fails**", 1)[0]
    messages = re.findall(r"^\| `([^`]+)`", section, flags=re.M)
    assert len(messages) >= 5
    for message in messages:
        if message.startswith("values don't meet"):
            continue  # Helm's own schema message
        for fragment in re.split(r"\(…\)|…", message):
            fragment = fragment.strip(" /")
            if fragment:
                assert fragment in templates, fragment
