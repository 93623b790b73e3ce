"""values.schema.json rejects bad values before anything renders; templates refuse what the
schema cannot express (rules across several values)."""

from __future__ import annotations

import json
import re
from typing import Any

import helm_python
import jsonschema
import pytest
import yaml

from tests.helm.render import CHART_DIR, VALUE_SETS, load_values, render

S3 = {"store": {"url": "s3://bucket"}}


def with_model(**fields: Any) -> dict[str, Any]:
    return {**S3, "workers": {"models": [{"name": "m", "model": "org/model", **fields}]}}


BAD_VALUES = [
    ({"controlPlane": {"replica": 2}}, "additional properties 'replica'"),
    ({"controlPlane": {"replicas": 0}}, "/controlPlane/replicas"),
    ({"controlPlane": {"replicas": "3"}}, "/controlPlane/replicas"),
    ({"controlPlane": {"logLevel": "verbose"}}, "/controlPlane/logLevel"),
    ({"controlPlane": {"service": {"type": "ExternalName"}}}, "/controlPlane/service/type"),
    ({"controlPlane": {"image": {"pullPolicy": "Sometimes"}}}, "/controlPlane/image/pullPolicy"),
    ({"controlPlane": {"image": {"digest": "sha256:abc"}}}, "/controlPlane/image/digest"),
    ({"controlPlane": {"persistence": {"size": "ten gigs"}}}, "/controlPlane/persistence/size"),
    ({"database": {"url": "mysql://u:p@h/db"}}, "/database/url"),
    ({"store": {"url": "gs://bucket"}}, "/store/url"),
    ({"store": {"url": "s3://"}}, "/store/url"),
    ({"store": {"s3": {"accessKeyId": "AKIA"}}}, "/store/s3/secretAccessKey"),
    ({"store": {"s3": {"secretAccessKey": "x"}}}, "/store/s3/accessKeyId"),
    ({"store": {"s3": {"endpointUrl": "minio:9000"}}}, "/store/s3/endpointUrl"),
    ({"auth": {"adminToken": "x" * 20}}, "additional properties 'adminToken'"),
    (with_model(gpus=0), "/workers/models/0/gpus"),
    (with_model(maxLoraRank=48), "/workers/models/0/maxLoraRank"),
    (with_model(maxLoras=0), "/workers/models/0/maxLoras"),
    (with_model(replicas=-1), "/workers/models/0/replicas"),
    (with_model(name="Llama_3"), "/workers/models/0/name"),
    (with_model(name="a" * 31), "/workers/models/0/name"),
    (with_model(modelCache={"type": "hostPath"}), "/workers/models/0/modelCache/type"),
    (with_model(extraArgs=["--max-loras", "9"]), "/workers/models/0/extraArgs/0"),
    (with_model(extraArgs=["--api-server-count=2"]), "/workers/models/0/extraArgs/0"),
    (with_model(extraArgs=["--api-key", "k"]), "/workers/models/0/extraArgs/0"),
    (with_model(extraArgs=["--host=::"]), "/workers/models/0/extraArgs/0"),
    (with_model(shmSize=8), "/workers/models/0/shmSize"),
    (with_model(startupProbe={"failureThreshold": 0}), "/workers/models/0/startupProbe/failureThreshold"),
    (with_model(gpu=1), "additional properties 'gpu'"),
    ({**S3, "workers": {"models": [{"name": "m"}]}}, "missing property 'model'"),
    ({"workers": {"defaults": {"name": "x"}}}, "/workers/defaults"),
    ({"workers": {"gpuResourceName": "gpu"}}, "/workers/gpuResourceName"),
    ({"ingress": {"paths": [{"path": "/v1/chat/completions", "pathType": "ImplementationSpecific"}]}}, "/ingress/paths/0/pathType"),
    ({"ingress": {"paths": [{"path": "v1", "pathType": "Prefix"}]}}, "/ingress/paths/0/path"),
    ({"networkPolicy": {"workersFrom": [{}]}}, "/networkPolicy/workersFrom/0"),
    ({"networkPolicy": {"workersFrom": [{"pods": {}}]}}, "/networkPolicy/workersFrom/0"),
    ({"metrics": {"serviceMonitor": {"interval": "often"}}}, "/metrics/serviceMonitor/interval"),
    ({"commonLabels": {"team": 7}}, "/commonLabels/team"),
]


@pytest.mark.parametrize(("values", "where"), BAD_VALUES, ids=[w for _, w in BAD_VALUES])
def test_schema_rejects(values: dict[str, Any], where: str) -> None:
    with pytest.raises(helm_python.HelmValuesError) as caught:
        render(values)
    assert where in str(caught.value)


RULES_ACROSS_VALUES = [
    ({"controlPlane": {"replicas": 2}}, "replicas > 1 needs PostgreSQL"),
    ({"database": {"url": "postgresql://a:b@h/d", "existingSecret": "pg"}}, "either url or existingSecret"),
    ({"workers": {"models": [{"name": "m", "model": "org/model"}]}}, "needs an S3 store"),
    ({"store": {"s3": {"existingSecret": "s3", "accessKeyId": "a", "secretAccessKey": "b"}}}, "either existingSecret or"),
    ({"huggingface": {"token": "hf_x", "existingSecret": "hf"}}, "either token or existingSecret"),
    ({**S3, "workers": {"models": [{"name": "m", "model": "a"}, {"name": "m", "model": "b"}]}}, 'name "m" is used twice'),
    ({**S3, "workers": {"models": [{"name": "m", "model": "a"}, {"name": "n", "model": "b", "servedModelName": "m"}]}},
     'servedModelName "m" is used twice'),
    (with_model(maxLoras=8, maxCpuLoras=4), "maxCpuLoras (4) must be at least maxLoras (8)"),
    (with_model(gpus=2, tensorParallelSize=4), "tensorParallelSize (4) cannot exceed gpus (2)"),
    (with_model(modelCache={"type": "existingClaim"}), "needs modelCache.existingClaim"),
]


@pytest.mark.parametrize(("values", "message"), RULES_ACROSS_VALUES, ids=[m for _, m in RULES_ACROSS_VALUES])
def test_templates_refuse(values: dict[str, Any], message: str) -> None:
    with pytest.raises(helm_python.HelmRenderError, match=re.escape(message)):
        render(values)


def schema() -> dict[str, Any]:
    return json.loads((CHART_DIR / "values.schema.json").read_text())


def test_schema_is_valid_draft_07_and_accepts_every_value_set() -> None:
    jsonschema.Draft7Validator.check_schema(schema())
    validator = jsonschema.Draft7Validator(schema())
    defaults = yaml.safe_load((CHART_DIR / "values.yaml").read_text())
    assert not list(validator.iter_errors(defaults))
    for name in VALUE_SETS:
        render(load_values(name))  # Helm validates the coalesced values against the schema


#: Schema definitions that mirror a Kubernetes type: documented where they are used.
KUBERNETES_SHAPES = ("/resources", "/probeTimings")


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    """Follow `$ref` (and the `allOf: [$ref, ...]` the schema uses for worker settings)."""
    if "$ref" in node:
        return resolve(schema()["definitions"][node["$ref"].split("/")[-1]])
    if "allOf" in node and "$ref" in node["allOf"][0]:
        return resolve(node["allOf"][0])
    return node


def test_every_value_is_documented_and_in_the_schema() -> None:
    """Each key of the chart's values has a comment right above it in values.yaml and its own
    entry in the schema (whose objects reject unknown keys). Contents of free-form values
    (resources, security contexts, tolerations...) are Kubernetes' own and need neither."""
    text = (CHART_DIR / "values.yaml").read_text()
    lines = text.splitlines()
    checked = []

    def walk(node: yaml.Node, schema_node: dict[str, Any], path: str) -> None:
        if schema_node.get("$ref", "").endswith(KUBERNETES_SHAPES):
            return
        schema_node = resolve(schema_node)
        if not isinstance(node, yaml.MappingNode) or schema_node.get("additionalProperties") is not False:
            return
        for key_node, value_node in node.value:
            key = f"{path}.{key_node.value}".lstrip(".")
            assert key_node.value in schema_node["properties"], f"{key} is not in values.schema.json"
            above = lines[key_node.start_mark.line - 1].strip()
            assert above.startswith("#"), f"values.yaml:{key_node.start_mark.line + 1} {key} has no comment"
            checked.append(key)
            walk(value_node, schema_node["properties"][key_node.value], key)

    walk(yaml.compose(text), schema(), "")
    assert "workers.defaults.modelCache.type" in checked and len(checked) > 100
