"""vLLM workers: one pool per base model, GPUs, placement, caches, LoRA capacity, probes."""

from __future__ import annotations

import pytest

from tests.helm.render import load_values, render, rendered, selector_matches

GPU = "nvidia.com/gpu"
GPU_TAINT = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}


def workers(r) -> dict[str, dict]:
    """Worker workloads by model name."""
    return {
        o["metadata"]["labels"]["adapterplane.io/model"]: o
        for o in r.objects
        if o["kind"] in ("Deployment", "StatefulSet") and o["metadata"]["labels"]["app.kubernetes.io/component"] == "worker"
    }


def vllm(workload: dict) -> dict:
    (c,) = workload["spec"]["template"]["spec"]["containers"]
    return c


def vllm_args(workload: dict) -> dict[str, str]:
    """The vLLM flags after `--`, as {flag: value} (value "" for switches)."""
    args = vllm(workload)["args"]
    tail = args[args.index("--") + 1 :]
    flags: dict[str, str] = {}
    for i, arg in enumerate(tail):
        if arg.startswith("--"):
            nxt = tail[i + 1] if i + 1 < len(tail) else ""
            flags[arg] = "" if nxt.startswith("--") else nxt
    return flags


def env(workload: dict) -> dict[str, dict]:
    return {e["name"]: e for e in vllm(workload)["env"]}


def volumes(workload: dict) -> dict[str, dict]:
    return {v["name"]: v for v in workload["spec"]["template"]["spec"].get("volumes", [])}


def test_one_pool_per_model_with_its_gpu_count() -> None:
    pools = workers(rendered("two-models"))
    assert set(pools) == {"llama-3-8b", "llama-3-70b"}
    for model, gpus in (("llama-3-8b", 1), ("llama-3-70b", 4)):
        resources = vllm(pools[model])["resources"]
        assert resources["limits"][GPU] == resources["requests"][GPU] == gpus
        assert {"cpu", "memory"} <= resources["limits"].keys()
        assert vllm_args(pools[model])["--tensor-parallel-size"] == str(gpus)
    assert pools["llama-3-8b"]["spec"]["replicas"] == 3
    assert pools["llama-3-70b"]["spec"]["replicas"] == 2
    assert vllm(pools["llama-3-70b"])["resources"]["limits"]["memory"] == "256Gi"
    assert vllm(pools["llama-3-70b"])["resources"]["limits"]["cpu"] == "16", "maps merge with the defaults"


@pytest.mark.parametrize("name", ["external-postgresql", "existing-secrets", "two-models", "full"])
def test_every_worker_gets_gpus_and_tolerates_gpu_nodes(name: str) -> None:
    for model, workload in workers(rendered(name)).items():
        pod = workload["spec"]["template"]["spec"]
        assert vllm(workload)["resources"]["limits"][GPU] >= 1, model
        assert GPU_TAINT in pod["tolerations"], model


def test_placement_per_model() -> None:
    pools = workers(rendered("two-models"))
    small = pools["llama-3-8b"]["spec"]["template"]["spec"]
    big = pools["llama-3-70b"]["spec"]["template"]["spec"]
    assert small["nodeSelector"] == {"karpenter.sh/nodepool": "gpu", "node.kubernetes.io/instance-type": "g6.2xlarge"}
    assert big["nodeSelector"] == {"karpenter.sh/nodepool": "gpu"}
    assert {"key": "dedicated", "operator": "Equal", "value": "llm-70b", "effect": "NoSchedule"} in big["tolerations"]
    assert small["tolerations"] == [GPU_TAINT]


def test_lora_capacity_flags() -> None:
    pools = workers(rendered("two-models"))
    assert vllm_args(pools["llama-3-8b"]) == {
        "--max-loras": "8", "--max-cpu-loras": "32", "--max-lora-rank": "32", "--tensor-parallel-size": "1"}
    flags = vllm_args(pools["llama-3-70b"])
    assert flags["--max-model-len"] == "16384"
    assert flags["--gpu-memory-utilization"] == "0.92" and flags["--enable-prefix-caching"] == ""


def test_worker_command_names_model_control_plane_and_port() -> None:
    workload = workers(rendered("two-models"))["llama-3-70b"]
    c = vllm(workload)
    assert c["command"] == ["adapterplane", "worker"]
    args = c["args"][: c["args"].index("--")]
    assert args == [
        "--control-plane", "$(ADAPTERPLANE_CONTROL_PLANE_URL)",
        "--model", "meta-llama/Meta-Llama-3-70B-Instruct",
        "--served-model-name", "llama-3-70b-instruct",
        "--host", "0.0.0.0",  # the worker binds 127.0.0.1 unless told otherwise
        "--port", "8000",
    ]
    assert env(workload)["ADAPTERPLANE_CONTROL_PLANE_URL"]["value"] == "http://ap-adapterplane:8000"
    assert c["ports"] == [{"name": "http", "containerPort": 8000, "protocol": "TCP"}]


def test_advertised_url_is_the_pod_ip() -> None:
    e = env(workers(rendered("two-models"))["llama-3-8b"])
    variables = list(e)
    assert e["POD_IP"]["valueFrom"]["fieldRef"]["fieldPath"] == "status.podIP"
    assert e["ADAPTERPLANE_ADVERTISE_URL"]["value"] == "http://$(POD_IP):8000"
    # $(VAR) only expands variables defined earlier in the list.
    assert variables.index("POD_IP") < variables.index("ADAPTERPLANE_ADVERTISE_URL")
    assert e["ADAPTERPLANE_WORKER_TOKEN"]["valueFrom"]["secretKeyRef"] == {"name": "ap-adapterplane", "key": "worker-token"}
    assert e["ADAPTERPLANE_WORKER_NAME"]["value"] == "$(POD_NAME)"
    assert variables.index("POD_NAME") < variables.index("ADAPTERPLANE_WORKER_NAME")


def test_workers_fetch_only_from_the_release_store() -> None:
    """The worker refuses artifacts outside ADAPTERPLANE_STORE_URL."""
    for name in ("external-postgresql", "existing-secrets", "two-models", "full"):
        store = load_values(name)["store"]["url"]
        for workload in workers(rendered(name)).values():
            assert env(workload)["ADAPTERPLANE_STORE_URL"]["value"] == store


def test_probes_allow_slow_model_loads() -> None:
    for model, workload in workers(rendered("two-models")).items():
        c = vllm(workload)
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert c[probe]["httpGet"] == {"path": "/health", "port": "http"}, (model, probe)
        startup = c["startupProbe"]
        assert startup["periodSeconds"] * startup["failureThreshold"] >= 30 * 60, model
        liveness = c["livenessProbe"]
        assert liveness["periodSeconds"] * liveness["failureThreshold"] >= 60, "a busy engine must not be killed"
    big = vllm(workers(rendered("two-models"))["llama-3-70b"])["startupProbe"]
    assert big["failureThreshold"] == 360 and big["periodSeconds"] == 10


def test_graceful_termination() -> None:
    workload = workers(rendered("two-models"))["llama-3-8b"]
    pod = workload["spec"]["template"]["spec"]
    sleep = vllm(workload)["lifecycle"]["preStop"]["exec"]["command"]
    assert sleep[0] == "sleep"
    assert pod["terminationGracePeriodSeconds"] > int(sleep[1]) + 60


def test_shared_memory_and_caches() -> None:
    pools = workers(rendered("two-models"))
    for model, workload in pools.items():
        v = volumes(workload)
        assert v["dshm"]["emptyDir"]["medium"] == "Memory", model
        assert v["adapter-cache"]["emptyDir"]["sizeLimit"] == "20Gi"
        mounts = {m["name"]: m["mountPath"] for m in vllm(workload)["volumeMounts"]}
        assert mounts["dshm"] == "/dev/shm" and mounts["model-cache"] == "/models"
        # The saved routing table and the adapter cache survive container restarts.
        assert mounts["adapter-cache"] == env(workload)["ADAPTERPLANE_DATA_DIR"]["value"] == "/var/lib/adapterplane"
        assert env(workload)["ADAPTERPLANE_CACHE_DIR"]["value"].startswith("/var/lib/adapterplane/")
        assert env(workload)["ADAPTERPLANE_CACHE_MAX_BYTES"]["value"] == "17179869184"
        assert env(workload)["HF_HOME"]["value"].startswith("/models/")
    assert volumes(pools["llama-3-70b"])["dshm"]["emptyDir"]["sizeLimit"] == "32Gi"


def test_model_cache_kinds() -> None:
    pools = workers(rendered("two-models"))
    small, big = pools["llama-3-8b"], pools["llama-3-70b"]
    assert small["kind"] == "Deployment"
    assert volumes(small)["model-cache"]["emptyDir"]["sizeLimit"] == "200Gi"

    assert big["kind"] == "StatefulSet", "a per-pod claim needs volumeClaimTemplates"
    assert "model-cache" not in volumes(big)
    (claim,) = big["spec"]["volumeClaimTemplates"]
    assert claim["metadata"]["name"] == "model-cache"
    assert claim["spec"]["resources"]["requests"]["storage"] == "400Gi"
    assert claim["spec"]["storageClassName"] == "gp3"
    assert big["spec"]["podManagementPolicy"] == "Parallel"
    assert big["spec"]["serviceName"] == big["metadata"]["name"]

    shared = workers(rendered("full"))["mistral-7b"]
    assert volumes(shared)["model-cache"]["persistentVolumeClaim"] == {"claimName": "model-weights", "readOnly": True}
    assert env(shared)["HF_HUB_OFFLINE"]["value"] == "1"


def test_hugging_face_token_is_optional() -> None:
    assert "HF_TOKEN" not in env(workers(rendered("two-models"))["llama-3-8b"])
    token = env(workers(rendered("external-postgresql"))["llama-3-8b"])["HF_TOKEN"]
    assert token["valueFrom"]["secretKeyRef"] == {"name": "ap-adapterplane", "key": "hf-token"}
    token = env(workers(rendered("existing-secrets"))["qwen-7b"])["HF_TOKEN"]
    assert token["valueFrom"]["secretKeyRef"] == {"name": "hf", "key": "token"}


def test_services_and_budgets_select_exactly_their_models_pods() -> None:
    r = rendered("two-models")
    pools = workers(r)
    for model, workload in pools.items():
        name = workload["metadata"]["name"]
        service = r.get("Service", name)
        pdb = r.get("PodDisruptionBudget", name)
        assert service["spec"]["ports"] == [{"name": "http", "port": 8000, "targetPort": "http", "protocol": "TCP"}]
        for other_model, other in pools.items():
            labels = other["spec"]["template"]["metadata"]["labels"]
            expected = other_model == model
            assert selector_matches({"matchLabels": service["spec"]["selector"]}, labels) is expected
            assert selector_matches(pdb["spec"]["selector"], labels) is expected
        assert selector_matches(workload["spec"]["selector"], workload["spec"]["template"]["metadata"]["labels"])
        assert pdb["spec"]["maxUnavailable"] == 1


def test_gpu_pools_replace_pods_without_surging() -> None:
    workload = workers(rendered("two-models"))["llama-3-8b"]
    assert workload["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": 0, "maxUnavailable": 1}


def test_a_model_can_scale_to_zero() -> None:
    values = load_values("two-models")
    values["workers"]["models"][0]["replicas"] = 0
    r = render(values)
    assert workers(r)["llama-3-8b"]["spec"]["replicas"] == 0
    assert "worker-llama-3-8b" not in " ".join(r.get("Pod", "ap-adapterplane-test")["spec"]["containers"][0]["command"])


def test_worker_pods_roll_when_their_secrets_change() -> None:
    values = load_values("external-postgresql")
    before = workers(render(values))["llama-3-8b"]["spec"]["template"]["metadata"]["annotations"]
    values["huggingface"]["token"] = "hf_rotatedrotatedrotatedrotated"
    after = workers(render(values))["llama-3-8b"]["spec"]["template"]["metadata"]["annotations"]
    assert before["checksum/secret"] != after["checksum/secret"]


def test_gpu_pools_do_not_restart_for_control_plane_only_changes() -> None:
    values = load_values("external-postgresql")
    before = render(values)
    values["database"]["url"] = "postgresql://adapterplane:rotated-pw@pg.databases.svc:5432/adapterplane"
    values["controlPlane"]["logLevel"] = "debug"
    after = render(values)
    assert workers(after)["llama-3-8b"]["spec"]["template"] == workers(before)["llama-3-8b"]["spec"]["template"]
    annotations = after.get("Deployment", "ap-adapterplane")["spec"]["template"]["metadata"]["annotations"]
    assert annotations != before.get("Deployment", "ap-adapterplane")["spec"]["template"]["metadata"]["annotations"]


def test_workers_use_their_own_service_account() -> None:
    r = rendered("two-models")
    account = r.get("ServiceAccount", "ap-adapterplane-worker")
    assert account["automountServiceAccountToken"] is False
    assert account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"].endswith("adapterplane-worker")
    for workload in workers(r).values():
        pod = workload["spec"]["template"]["spec"]
        assert pod["serviceAccountName"] == "ap-adapterplane-worker" and pod["automountServiceAccountToken"] is False
