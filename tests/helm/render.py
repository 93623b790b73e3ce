"""Render helm/adapterplane with the real Helm engine (helm-python-sdk, Helm's Go SDK), offline.

`render(values)` does what `helm template` does: it coalesces the values with the chart's
defaults, validates them against values.schema.json and renders every template. `lookup` returns
nothing, as with `helm template`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import helm_python
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
CHART_DIR = REPO_ROOT / "helm" / "adapterplane"
VALUES_DIR = Path(__file__).resolve().parent / "values"

RELEASE = "ap"
NAMESPACE = "llm-serving"

#: The value sets in tests/helm/values/, each a deployment shape an operator would use.
VALUE_SETS = (
    "defaults",
    "external-postgresql",
    "existing-secrets",
    "two-models",
    "components-disabled",
    "full",
)


@functools.cache
def chart() -> helm_python.Chart:
    return helm_python.Chart.load(CHART_DIR)


def load_values(name: str) -> dict[str, Any]:
    """A value set from tests/helm/values/<name>.yaml."""
    return yaml.safe_load((VALUES_DIR / f"{name}.yaml").read_text()) or {}


@dataclass(frozen=True)
class Rendered:
    """The output of one render: Kubernetes objects, plus the NOTES.txt text."""

    objects: list[dict[str, Any]]
    notes: str
    #: template path → list of objects rendered from it
    by_template: dict[str, list[dict[str, Any]]]

    def all(self, kind: str) -> list[dict[str, Any]]:
        return [o for o in self.objects if o["kind"] == kind]

    def get(self, kind: str, name: str) -> dict[str, Any]:
        matches = [o for o in self.objects if o["kind"] == kind and o["metadata"]["name"] == name]
        assert len(matches) == 1, f"expected one {kind} {name}, found {len(matches)}: {self.names()}"
        return matches[0]

    def names(self) -> list[str]:
        return sorted(f"{o['kind']}/{o['metadata']['name']}" for o in self.objects)

    def pod_specs(self) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """(owner object, pod spec) for every workload, Pod and Job."""
        specs = []
        for obj in self.objects:
            if obj["kind"] == "Pod":
                specs.append((obj, obj["spec"]))
            elif obj["kind"] in ("Deployment", "StatefulSet", "Job", "DaemonSet"):
                specs.append((obj, obj["spec"]["template"]["spec"]))
        return specs


def render(
    values: dict[str, Any] | None = None,
    *,
    release: str = RELEASE,
    namespace: str = NAMESPACE,
    is_upgrade: bool = False,
) -> Rendered:
    manifests = chart().render(
        values or {},
        name=release,
        namespace=namespace,
        is_install=not is_upgrade,
        is_upgrade=is_upgrade,
    )
    objects: list[dict[str, Any]] = []
    by_template: dict[str, list[dict[str, Any]]] = {}
    notes = ""
    for path, text in sorted(manifests.items()):
        if path.endswith("NOTES.txt"):
            notes = text
            continue
        docs = [doc for doc in yaml.safe_load_all(text) if doc]
        by_template[path] = docs
        objects.extend(docs)
    return Rendered(objects=objects, notes=notes, by_template=by_template)


@functools.cache
def rendered(name: str) -> Rendered:
    """The (cached) render of value set `name`; callers must not mutate it."""
    return render(load_values(name))


def selector_matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """Whether a Kubernetes LabelSelector (matchLabels + matchExpressions) selects `labels`."""
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and key in labels and labels[key] in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def pod_labels(workload: dict[str, Any]) -> dict[str, str]:
    if workload["kind"] == "Pod":
        return workload["metadata"]["labels"]
    return workload["spec"]["template"]["metadata"]["labels"]


def lint(values: dict[str, Any] | None = None, *, kube_version: str | None = None) -> dict[str, Any]:
    """`helm lint --strict` of the chart with `values`; returns the SDK's report."""
    return helm_python.lint(
        CHART_DIR, values or {}, strict=True, namespace=NAMESPACE, kube_version=kube_version
    )
