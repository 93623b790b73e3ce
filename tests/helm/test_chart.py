"""The chart as a whole: metadata, lint, Kubernetes schemas, names, namespaces, stable selectors."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from tests.helm.render import CHART_DIR, NAMESPACE, VALUE_SETS, lint, load_values, render, rendered

#: The oldest Kubernetes minor the chart supports (Chart.yaml kubeVersion) and the newest one
#: kubernetes-validate knows.
KUBERNETES_VERSIONS = ("1.30.0", "1.37.0")

#: Kinds from CRDs (no schema in kubernetes-validate); test_observability checks their shape.
CRD_KINDS = {("monitoring.coreos.com/v1", "ServiceMonitor")}

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def test_chart_metadata() -> None:
    meta = yaml.safe_load((CHART_DIR / "Chart.yaml").read_text())
    assert meta["apiVersion"] == "v2"
    assert re.fullmatch(r"\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?", meta["version"]), "version must be semver"
    assert meta["kubeVersion"] == f">={KUBERNETES_VERSIONS[0]}-0", "validate against the oldest supported minor"


def test_templates_hold_one_kind_each() -> None:
    for name in VALUE_SETS:
        for template, objects in rendered(name).by_template.items():
            assert len({o["kind"] for o in objects}) <= 1, f"{template} renders several kinds"


def test_helpers_define_the_standard_names() -> None:
    helpers = (CHART_DIR / "templates" / "_helpers.tpl").read_text()
    for helper in ("name", "fullname", "labels", "selectorLabels"):
        assert f'define "adapterplane.{helper}"' in helpers


@pytest.mark.parametrize("name", VALUE_SETS)
def test_lint_strict(name: str) -> None:
    report = lint(load_values(name), kube_version=f"v{KUBERNETES_VERSIONS[-1]}")
    problems = [m for m in report["messages"] if m["severity"] >= 2]  # warnings fail in strict mode
    assert not problems and not report["errors"], report


def test_lint_strict_catches_bad_values() -> None:
    """The lint above would really fail: a value the schema rejects is a lint error."""
    report = lint({"controlPlane": {"replicas": 0}})
    assert report["errors"]


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("name", VALUE_SETS)
def test_manifests_are_valid_kubernetes(name: str, version: str) -> None:
    checked = 0
    for obj in rendered(name).objects:
        if (obj["apiVersion"], obj["kind"]) in CRD_KINDS:
            continue
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{obj['kind']}/{obj['metadata']['name']} invalid for {version}: {exc.message} at {list(exc.path)}")
        checked += 1
    assert checked >= 5


def test_validation_really_rejects_a_bad_manifest() -> None:
    deployment = rendered("defaults").get("Deployment", "ap-adapterplane")
    broken = yaml.safe_load(yaml.safe_dump(deployment))
    broken["spec"]["template"]["spec"]["containers"][0]["resourcez"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSIONS[0], strict=True)


@pytest.mark.parametrize("name", VALUE_SETS)
def test_every_object_lives_in_the_release_namespace(name: str) -> None:
    """No hard-coded namespace: render in two namespaces and every object follows."""
    values = load_values(name)
    for namespace in (NAMESPACE, "other-ns"):
        for obj in render(values, namespace=namespace).objects:
            assert obj["metadata"].get("namespace") == namespace, f"{obj['kind']}/{obj['metadata']['name']}"
            if obj["kind"] == "ServiceMonitor":
                assert obj["spec"]["namespaceSelector"]["matchNames"] == [namespace]


def test_no_template_names_a_namespace_literally() -> None:
    for template in (CHART_DIR / "templates").rglob("*.yaml"):
        for line in template.read_text().splitlines():
            if re.match(r"\s*namespace:\s*\S", line):
                assert "{{ .Release.Namespace }}" in line or "{{ $.Release.Namespace }}" in line, f"{template}: {line}"


@pytest.mark.parametrize("release", ["ap", "adapterplane", "x" * 53])
def test_names_fit_kubernetes_limits(release: str) -> None:
    values = load_values("two-models")
    values["workers"]["models"][0]["name"] = "a" * 30  # the longest model name the schema allows
    objects = render(values, release=release).objects
    for obj in objects:
        name = obj["metadata"]["name"]
        assert len(name) <= 63 and DNS_LABEL.match(name), name
        if obj["kind"] in ("StatefulSet", "Deployment") and obj["metadata"]["labels"]["app.kubernetes.io/component"] == "worker":
            assert len(name) <= 52, f"{name}: a StatefulSet's revision label would exceed 63 characters"
        for value in obj["metadata"]["labels"].values():
            assert len(value) <= 63
    names = [(o["kind"], o["metadata"]["name"]) for o in objects]
    assert len(names) == len(set(names)), "two objects share a name"


@pytest.mark.parametrize("name", VALUE_SETS)
def test_every_object_has_the_standard_labels(name: str) -> None:
    for obj in rendered(name).objects:
        labels = obj["metadata"]["labels"]
        assert labels["app.kubernetes.io/name"] == "adapterplane"
        assert labels["app.kubernetes.io/instance"] == "ap"
        assert labels["app.kubernetes.io/managed-by"] == "Helm"
        assert "helm.sh/chart" in labels


def _selectors(objects: list[dict]) -> dict[tuple[str, str], dict]:
    """Every label selector that must not change between releases of the chart."""
    found = {}
    for obj in objects:
        key = (obj["kind"], obj["metadata"]["name"])
        spec = obj.get("spec", {})
        if obj["kind"] in ("Deployment", "StatefulSet", "PodDisruptionBudget"):
            found[key] = spec["selector"]
        elif obj["kind"] == "Service":
            found[key] = spec["selector"]
        elif obj["kind"] == "NetworkPolicy":
            found[key] = spec["podSelector"]
        elif obj["kind"] == "ServiceMonitor":
            found[key] = spec["selector"]
    return found


def test_selector_labels_are_stable_across_upgrades(tmp_path: Path) -> None:
    """A new chart version and app version, as an upgrade brings, keeps every selector: a
    Deployment's selector is immutable, so a change would make `helm upgrade` fail."""
    upgraded_chart = tmp_path / "adapterplane"
    shutil.copytree(CHART_DIR, upgraded_chart)
    meta = yaml.safe_load((upgraded_chart / "Chart.yaml").read_text())
    meta["version"], meta["appVersion"] = "7.8.9", "7.8.9"
    (upgraded_chart / "Chart.yaml").write_text(yaml.safe_dump(meta))

    import helm_python

    for name in VALUE_SETS:
        before = _selectors(rendered(name).objects)
        with helm_python.Chart.load(upgraded_chart) as chart:
            manifests = chart.render(load_values(name), name="ap", namespace=NAMESPACE, is_upgrade=True)
        after_objects = [d for path, text in manifests.items() if not path.endswith("NOTES.txt") for d in yaml.safe_load_all(text) if d]
        assert any(o["metadata"]["labels"].get("app.kubernetes.io/version") == "7.8.9" for o in after_objects)
        assert _selectors(after_objects) == before, name


def test_selectors_hold_no_version() -> None:
    for name in VALUE_SETS:
        for key, selector in _selectors(rendered(name).objects).items():
            labels = selector.get("matchLabels", selector)
            assert "app.kubernetes.io/version" not in labels and "helm.sh/chart" not in labels, key
