"""Pod security ("restricted" Pod Security Standard) and a checkov scan of every rendered value set.

Checkov runs through its Python API (`checkov.kubernetes.runner.Runner`): the engine the
`checkov -d DIR --framework kubernetes` command uses, without its CLI start-up (which also
imports checkov's SBOM output code, unrelated to this scan).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
import yaml
from checkov.kubernetes.runner import Runner
from checkov.runner_filter import RunnerFilter

from tests.helm.checkov_justifications import JUSTIFIED
from tests.helm.render import VALUE_SETS, rendered

#: Volume types the "restricted" Pod Security Standard allows.
RESTRICTED_VOLUMES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"}


def containers(pod: dict) -> list[dict]:
    return pod.get("initContainers", []) + pod["containers"]


@pytest.mark.parametrize("name", VALUE_SETS)
def test_every_pod_meets_the_restricted_pod_security_standard(name: str) -> None:
    for owner, pod in rendered(name).pod_specs():
        where = f"{name}: {owner['kind']}/{owner['metadata']['name']}"
        context = pod.get("securityContext", {})
        assert context.get("seccompProfile", {}).get("type") == "RuntimeDefault", where
        assert not pod.get("hostNetwork") and not pod.get("hostPID") and not pod.get("hostIPC"), where
        for volume in pod.get("volumes", []):
            assert set(volume) - {"name"} <= RESTRICTED_VOLUMES, (where, volume)
        for c in containers(pod):
            sc = c.get("securityContext", {})
            assert sc.get("allowPrivilegeEscalation") is False, (where, c["name"])
            assert sc.get("privileged") is not True, (where, c["name"])
            assert sc.get("capabilities", {}).get("drop") == ["ALL"], (where, c["name"])
            assert not set(sc.get("capabilities", {}).get("add", [])) - {"NET_BIND_SERVICE"}, (where, c["name"])
            assert (sc.get("runAsNonRoot") or context.get("runAsNonRoot")) is True, (where, c["name"])
            assert sc.get("readOnlyRootFilesystem") is True, (where, c["name"])
            assert (sc.get("runAsUser") or context.get("runAsUser")) >= 10000, (where, c["name"])
            assert {"cpu", "memory"} <= c["resources"]["requests"].keys() & c["resources"]["limits"].keys(), (where, c["name"])
        assert pod.get("automountServiceAccountToken") is False, where


@pytest.fixture(scope="module")
def checkov_report(tmp_path_factory: pytest.TempPathFactory):
    directory: Path = tmp_path_factory.mktemp("rendered")
    for name in VALUE_SETS:
        for i, obj in enumerate(rendered(name).objects):
            path = directory / f"{name}-{i:02d}-{obj['kind'].lower()}-{obj['metadata']['name']}.yaml"
            path.write_text(yaml.safe_dump(obj, sort_keys=False))
    report = Runner().run(root_folder=str(directory), runner_filter=RunnerFilter(framework=["kubernetes"]))
    assert report.passed_checks, "checkov checked nothing"
    return report


def test_checkov_findings_are_fixed_or_justified(checkov_report) -> None:
    unjustified = []
    for finding in checkov_report.failed_checks:
        kind = finding.resource.split(".")[0]
        justification = JUSTIFIED.get(finding.check_id)
        if justification is None or kind not in justification.kinds:
            unjustified.append(f"{finding.check_id} {finding.check_name}: {finding.resource}")
    assert not unjustified, "\n".join(sorted(unjustified))


def test_every_justification_is_still_needed(checkov_report) -> None:
    failing = {finding.check_id for finding in checkov_report.failed_checks}
    assert failing == set(JUSTIFIED), f"stale justifications: {set(JUSTIFIED) - failing}"


def test_digest_pinned_images_pass_the_digest_check(checkov_report) -> None:
    by_check = defaultdict(set)
    for finding in checkov_report.failed_checks:
        by_check[finding.check_id].add(finding.resource)
    digest_findings = by_check["CKV_K8S_43"]
    assert not [r for r in digest_findings if "mistral" in r or "gemma" in r], "the full value set pins digests"
