"""The control plane: Deployment, Service, probes, config checksum, database modes, PDB."""

from __future__ import annotations

import helm_python
import pytest

from tests.helm.render import load_values, render, rendered, selector_matches

NAME = "ap-adapterplane"


def container(deployment: dict, name: str = "control-plane") -> dict:
    return next(c for c in deployment["spec"]["template"]["spec"]["containers"] if c["name"] == name)


def env_names(c: dict) -> set[str]:
    return {e["name"] for e in c.get("env", [])}


def test_serves_on_8000_with_probes_on_healthz_and_readyz() -> None:
    c = container(rendered("defaults").get("Deployment", NAME))
    assert c["command"] == ["adapterplane", "serve", "--host", "0.0.0.0", "--port", "8000"]
    assert c["ports"] == [{"name": "http", "containerPort": 8000, "protocol": "TCP"}]
    assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert c["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert {"cpu", "memory"} <= c["resources"]["requests"].keys()
    assert {"cpu", "memory"} <= c["resources"]["limits"].keys()


def test_service_targets_the_control_plane_pods() -> None:
    r = rendered("external-postgresql")
    service = r.get("Service", NAME)
    deployment = r.get("Deployment", NAME)
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    assert selector_matches({"matchLabels": service["spec"]["selector"]}, deployment["spec"]["template"]["metadata"]["labels"])
    for worker in r.all("Deployment"):
        if worker is not deployment:
            assert not selector_matches({"matchLabels": service["spec"]["selector"]}, worker["spec"]["template"]["metadata"]["labels"])


def test_settings_come_from_the_configmap_and_secrets() -> None:
    r = rendered("external-postgresql")
    c = container(r.get("Deployment", NAME))
    assert c["envFrom"] == [{"configMapRef": {"name": NAME}}]
    config = r.get("ConfigMap", NAME)["data"]
    assert config["ADAPTERPLANE_STORE_URL"] == "s3://adapterplane-artifacts/prod"
    assert config["ADAPTERPLANE_DATA_DIR"] == "/data"
    env = {e["name"]: e for e in c["env"]}
    for name in ("ADAPTERPLANE_ADMIN_TOKEN", "ADAPTERPLANE_WORKER_TOKEN", "ADAPTERPLANE_DATABASE_URL",
                 "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        assert env[name]["valueFrom"]["secretKeyRef"]["name"] == NAME, name
    assert env["AWS_REGION"]["value"] == env["AWS_DEFAULT_REGION"]["value"] == "eu-west-1"


@pytest.mark.parametrize("name", ["defaults", "external-postgresql", "existing-secrets", "two-models", "full"])
def test_local_mode_is_never_set(name: str) -> None:
    """Local mode generates secrets on the pod's disk: never in a cluster."""
    text = str(rendered(name).objects)
    assert "ADAPTERPLANE_LOCAL_MODE" not in text


def test_config_checksum_rolls_pods_when_the_config_changes() -> None:
    def checksums(values: dict) -> dict:
        return render(values).get("Deployment", NAME)["spec"]["template"]["metadata"]["annotations"]

    base = load_values("existing-secrets")
    changed = load_values("existing-secrets")
    changed["controlPlane"]["logLevel"] = "debug"
    assert checksums(base)["checksum/config"] == checksums(base)["checksum/config"]
    assert checksums(changed)["checksum/config"] != checksums(base)["checksum/config"]
    assert "checksum/secret" in checksums(base)


def test_checksums_are_deterministic() -> None:
    """Generated tokens are random in every render: a checksum that saw them would roll every
    pod, GPU workers included, at the first `helm upgrade` after the install."""
    for name in ("defaults", "external-postgresql", "two-models"):
        first, second = render(load_values(name)), render(load_values(name))
        for a, b in zip(first.pod_specs(), second.pod_specs(), strict=True):
            owner = a[0]
            if owner["kind"] in ("Deployment", "StatefulSet"):
                assert owner["spec"]["template"]["metadata"]["annotations"] == \
                    b[0]["spec"]["template"]["metadata"]["annotations"], (name, owner["metadata"]["name"])


def test_sqlite_mode_is_one_pod_on_a_kept_claim_that_migrates_itself() -> None:
    r = rendered("defaults")
    deployment = r.get("Deployment", NAME)
    spec = deployment["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {"type": "Recreate"}
    init = spec["template"]["spec"]["initContainers"]
    assert [c["command"] for c in init] == [["adapterplane", "migrate"]]
    assert "ADAPTERPLANE_DATABASE_URL" not in env_names(init[0]) | env_names(container(deployment))
    volumes = {v["name"]: v for v in spec["template"]["spec"]["volumes"]}
    claim = r.get("PersistentVolumeClaim", "ap-adapterplane-data")
    assert volumes["data"]["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]
    assert claim["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    assert not r.all("Job"), "SQLite lives on the pod's volume: a hook Job could not reach it"


def test_postgresql_mode_rolls_replicas_without_a_claim() -> None:
    r = rendered("external-postgresql")
    spec = r.get("Deployment", NAME)["spec"]
    assert spec["replicas"] == 3
    assert spec["strategy"]["type"] == "RollingUpdate"
    assert "initContainers" not in spec["template"]["spec"]
    assert not r.all("PersistentVolumeClaim")
    volumes = {v["name"]: v for v in spec["template"]["spec"]["volumes"]}
    assert "emptyDir" in volumes["data"]


def test_several_replicas_need_postgresql_and_s3() -> None:
    with pytest.raises(helm_python.HelmRenderError, match="replicas > 1 needs PostgreSQL"):
        render({"controlPlane": {"replicas": 2}})
    with pytest.raises(helm_python.HelmRenderError, match="replicas > 1 needs an S3 store"):
        render({"controlPlane": {"replicas": 2}, "database": {"existingSecret": "pg"}})
    values = load_values("existing-secrets")
    assert render(values).get("Deployment", NAME)["spec"]["replicas"] == 2


def test_pod_disruption_budget_covers_the_control_plane() -> None:
    r = rendered("defaults")
    pdb = r.get("PodDisruptionBudget", NAME)
    # maxUnavailable, not minAvailable: with one replica, minAvailable: 1 would block node drains.
    assert pdb["spec"]["maxUnavailable"] == 1 and "minAvailable" not in pdb["spec"]
    labels = r.get("Deployment", NAME)["spec"]["template"]["metadata"]["labels"]
    assert selector_matches(pdb["spec"]["selector"], labels)
    assert rendered("full").get("PodDisruptionBudget", NAME)["spec"] == {
        "minAvailable": 1, "selector": pdb["spec"]["selector"]}


def test_service_account_never_mounts_an_api_token() -> None:
    r = rendered("two-models")
    account = r.get("ServiceAccount", NAME)
    assert account["automountServiceAccountToken"] is False
    assert account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"].endswith("adapterplane-control-plane")
    pod = r.get("Deployment", NAME)["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == NAME and pod["automountServiceAccountToken"] is False


def test_components_can_be_switched_off() -> None:
    r = rendered("components-disabled")
    assert {o["kind"] for o in r.objects} == {"ConfigMap", "Deployment", "Pod", "Secret", "Service"}
    pod = r.get("Deployment", NAME)["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "default"
    assert "initContainers" not in pod, "migrations.enabled=false runs no migration"
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert "emptyDir" in volumes["data"], "persistence.enabled=false keeps data in an emptyDir"


def test_notes_tell_how_to_reach_the_api_and_run_adapterctl() -> None:
    notes = rendered("defaults").notes
    assert "kubectl -n llm-serving port-forward service/ap-adapterplane 8000:8000" in notes
    assert "ADAPTERCTL_SERVER=http://127.0.0.1:8000" in notes
    assert "get secret ap-adapterplane -o jsonpath='{.data.admin-token}'" in notes
    assert "adapterctl workers list" in notes
    assert "No base models are configured" in notes
    assert "SQLite" in notes

    notes = rendered("existing-secrets").notes
    assert "get secret adapterplane-tokens" in notes
    assert "adapterctl tenants create TENANT" in notes
    assert "adapterctl publish TENANT/ADAPTER ./my-lora --base-model qwen-7b" in notes
    assert "http://ap-adapterplane-worker-qwen-7b.llm-serving.svc:8000/v1" in notes
    assert "SQLite" not in notes
