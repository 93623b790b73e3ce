"""Secrets (generated or existing, never in a ConfigMap) and the migration hook Job."""

from __future__ import annotations

import base64

import yaml

from tests.helm.render import load_values, render, rendered

#: Everything secret in the external-postgresql value set.
SECRET_VALUES = (
    "s3cr3t-pw",
    "AKIAEXAMPLEEXAMPLE00",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "hf_exampleexampleexampleexample",
)


def decoded(secret: dict) -> dict[str, str]:
    return {key: base64.b64decode(value).decode() for key, value in secret["data"].items()}


def secret_refs(objects: list[dict]) -> set[tuple[str, str]]:
    """(secret name, key) of every secretKeyRef in `objects`."""
    refs = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "secretKeyRef" in node:
                refs.add((node["secretKeyRef"]["name"], node["secretKeyRef"]["key"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(objects)
    return refs


def test_secrets_given_as_values_land_only_in_secrets() -> None:
    r = rendered("external-postgresql")
    secret = decoded(r.get("Secret", "ap-adapterplane"))
    assert secret["database-url"] == load_values("external-postgresql")["database"]["url"]
    assert secret["aws-access-key-id"] == "AKIAEXAMPLEEXAMPLE00"
    assert secret["hf-token"] == "hf_exampleexampleexampleexample"
    others = [o for o in r.objects if o["kind"] != "Secret"]
    text = yaml.safe_dump_all(others)
    for value in SECRET_VALUES:
        assert value not in text


def test_tokens_are_generated_long_enough() -> None:
    secret = decoded(rendered("defaults").get("Secret", "ap-adapterplane"))
    assert set(secret) == {"admin-token", "worker-token"}
    assert len(secret["admin-token"]) == len(secret["worker-token"]) == 48
    assert secret["admin-token"] != secret["worker-token"]


def test_existing_secrets_replace_the_charts_secret() -> None:
    r = rendered("existing-secrets")
    assert not r.all("Secret"), "nothing left for the chart to hold"
    assert secret_refs(r.objects) == {
        ("adapterplane-tokens", "admin-token"),
        ("adapterplane-tokens", "worker-token"),
        ("pg-app", "uri"),
        ("s3-credentials", "AWS_ACCESS_KEY_ID"),
        ("s3-credentials", "AWS_SECRET_ACCESS_KEY"),
        ("hf", "token"),
    }


def test_every_reference_to_the_charts_secret_has_its_key() -> None:
    for name in ("defaults", "external-postgresql", "two-models"):
        r = rendered(name)
        chart_secrets = {s["metadata"]["name"]: set(s["data"]) for s in r.all("Secret")}
        for secret, key in secret_refs(r.objects):
            if secret in chart_secrets:
                assert key in chart_secrets[secret], (name, secret, key)


def test_workload_identity_means_no_static_s3_credentials() -> None:
    r = rendered("two-models")
    assert not any(name.startswith("AWS_ACCESS") for _, name in secret_refs(r.objects))
    assert "aws-access-key-id" not in r.get("Secret", "ap-adapterplane")["data"]


def test_migration_job_is_a_pre_install_pre_upgrade_hook() -> None:
    r = rendered("external-postgresql")
    job = r.get("Job", "ap-adapterplane-migrate")
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert annotations["helm.sh/hook-delete-policy"] == "before-hook-creation,hook-succeeded"
    pod = job["spec"]["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    (c,) = pod["containers"]
    assert c["command"] == ["adapterplane", "migrate"]
    assert job["spec"]["backoffLimit"] == 3 and job["spec"]["activeDeadlineSeconds"] == 900


def test_migration_hook_brings_what_it_needs_before_the_release_exists() -> None:
    """Hooks run before the release's own objects: the Job's ServiceAccount and database Secret
    must be hooks too, with a lower weight."""
    r = rendered("external-postgresql")
    job = r.get("Job", "ap-adapterplane-migrate")
    job_weight = int(job["metadata"]["annotations"]["helm.sh/hook-weight"])
    pod = job["spec"]["template"]["spec"]
    account = r.get("ServiceAccount", pod["serviceAccountName"])
    ((secret_name, key),) = secret_refs([job])
    secret = r.get("Secret", secret_name)
    for dependency in (account, secret):
        annotations = dependency["metadata"]["annotations"]
        assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
        assert int(annotations["helm.sh/hook-weight"]) < job_weight
    assert decoded(secret)[key] == load_values("external-postgresql")["database"]["url"]


def test_migration_hook_reads_an_existing_database_secret_directly() -> None:
    r = rendered("existing-secrets")
    job = r.get("Job", "ap-adapterplane-migrate")
    assert secret_refs([job]) == {("pg-app", "uri")}


def test_no_job_when_migrations_are_disabled() -> None:
    values = load_values("existing-secrets")
    values["migrations"] = {"enabled": False}
    r = render(values)
    assert not r.all("Job")
    assert not [o for o in r.objects if "helm.sh/hook" in o["metadata"].get("annotations", {})
                and "pre-install" in o["metadata"]["annotations"]["helm.sh/hook"]]
