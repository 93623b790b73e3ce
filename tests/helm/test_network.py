"""Who may reach whom: NetworkPolicies, and an Ingress that exposes inference routes only."""

from __future__ import annotations

import helm_python
import pytest

from tests.helm.render import Rendered, load_values, pod_labels, render, rendered, selector_matches

#: Routes only the control plane may call on a worker (the plugin also demands the worker token).
ADMIN_ROUTES = (
    "/adapterplane/routing-table",
    "/adapterplane/load",
    "/adapterplane/unload",
    "/adapterplane/loaded",
    "/v1/load_lora_adapter",
    "/v1/unload_lora_adapter",
    "/adapters",
    "/adapters/tenant-a/adapter:v1",
)
INFERENCE_ROUTES = ("/v1/chat/completions", "/v1/completions", "/v1/models", "/v1/embeddings", "/v1/responses")


def pods(r: Rendered, component: str) -> list[dict[str, str]]:
    return [pod_labels(o) for o, _ in r.pod_specs() if pod_labels(o)["app.kubernetes.io/component"] == component]


def admitted(policy: dict, source_labels: dict[str, str]) -> bool:
    """Whether a pod of the release's namespace with `source_labels` may connect (any port)."""
    for rule in policy["spec"].get("ingress", []):
        peers = rule.get("from")
        if peers is None:
            return True  # no `from`: everyone
        for peer in peers:
            if "podSelector" in peer and "namespaceSelector" not in peer and "ipBlock" not in peer:
                if selector_matches(peer["podSelector"], source_labels):
                    return True
    return False


def test_worker_policy_selects_every_worker_and_nothing_else() -> None:
    r = rendered("two-models")
    policy = r.get("NetworkPolicy", "ap-adapterplane-worker")
    assert policy["spec"]["policyTypes"] == ["Ingress"]
    worker_pods = pods(r, "worker")
    assert len(worker_pods) == 2
    assert all(selector_matches(policy["spec"]["podSelector"], labels) for labels in worker_pods)
    for component in ("control-plane", "migrate", "helm-test"):
        assert not any(selector_matches(policy["spec"]["podSelector"], labels) for labels in pods(r, component))


def test_only_the_control_plane_reaches_workers_unless_peers_are_added() -> None:
    values = load_values("two-models")
    values["networkPolicy"] = {"workersFrom": [], "metricsFrom": []}
    r = render(values)
    policy = r.get("NetworkPolicy", "ap-adapterplane-worker")
    (rule,) = policy["spec"]["ingress"]
    assert rule["ports"] == [{"port": "http", "protocol": "TCP"}]
    (control_plane,) = pods(r, "control-plane")
    assert admitted(policy, control_plane)
    # The release's `helm test` pod checks /health; nothing else in the namespace gets in.
    allowed = [peer["podSelector"]["matchLabels"]["app.kubernetes.io/component"] for peer in rule["from"]]
    assert allowed == ["control-plane", "helm-test"]
    assert not admitted(policy, {"app": "anything"})
    assert not admitted(policy, {"app.kubernetes.io/name": "adapterplane", "app.kubernetes.io/instance": "other",
                                 "app.kubernetes.io/component": "control-plane"}), "another release's control plane"


def test_inference_and_metrics_peers_come_from_values() -> None:
    r = rendered("full")
    policy = r.get("NetworkPolicy", "ap-adapterplane-worker")
    peers = policy["spec"]["ingress"][0]["from"]
    assert {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}} in peers
    assert {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}} in peers
    assert not any(peer == {} or peer.get("podSelector") == {} and "namespaceSelector" not in peer for peer in peers)


def test_control_plane_policy_admits_workers_and_clients() -> None:
    r = rendered("two-models")
    policy = r.get("NetworkPolicy", "ap-adapterplane")
    (control_plane,) = pods(r, "control-plane")
    assert selector_matches(policy["spec"]["podSelector"], control_plane)
    assert not any(selector_matches(policy["spec"]["podSelector"], labels) for labels in pods(r, "worker"))
    for labels in pods(r, "worker"):
        assert admitted(policy, labels)
    assert admitted(policy, {"adapterplane.io/client": "true"})
    assert not admitted(policy, {"app": "anything"})


def test_one_shot_pods_accept_no_traffic() -> None:
    r = rendered("external-postgresql")
    for name, component in (("ap-adapterplane-migrate", "migrate"), ("ap-adapterplane-test", "helm-test")):
        policy = r.get("NetworkPolicy", name)
        assert "ingress" not in policy["spec"] and policy["spec"]["policyTypes"] == ["Ingress"]
        (labels,) = pods(r, component)
        assert selector_matches(policy["spec"]["podSelector"], labels)


def test_policies_can_be_disabled() -> None:
    assert not rendered("components-disabled").all("NetworkPolicy")


def ingress_matches(path: str, rule_path: str, path_type: str) -> bool:
    """Ingress path matching as the Kubernetes API defines it (Prefix: whole path elements)."""
    if path_type == "Exact":
        return path == rule_path
    prefix = rule_path.rstrip("/")
    return prefix == "" or path == prefix or path.startswith(prefix + "/")


def ingress_paths(r: Rendered) -> list[tuple[str, dict]]:
    (ingress,) = r.all("Ingress")
    return [(rule["host"], p) for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]]


def test_ingress_exposes_inference_routes_and_no_admin_route() -> None:
    paths = ingress_paths(rendered("full"))
    for host in ("mistral.llm.example.com", "gemma.llm.example.com"):
        host_paths = [p for h, p in paths if h == host]
        for route in INFERENCE_ROUTES:
            assert any(ingress_matches(route, p["path"], p["pathType"]) for p in host_paths), route
        for route in ADMIN_ROUTES:
            assert not any(ingress_matches(route, p["path"], p["pathType"]) for p in host_paths), route


def test_ingress_sends_each_host_to_its_models_workers() -> None:
    r = rendered("full")
    services = {s["metadata"]["name"]: s for s in r.all("Service")}
    for host, path in ingress_paths(r):
        backend = path["backend"]["service"]
        model = host.split(".")[0]
        service = services[backend["name"]]
        assert service["metadata"]["labels"]["adapterplane.io/model"].startswith(model)
        assert backend["port"] == {"name": "http"}
    (ingress,) = r.all("Ingress")
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert ingress["spec"]["tls"][0]["secretName"] == "llm-tls"


@pytest.mark.parametrize(
    ("path", "path_type"),
    [("/", "Prefix"), ("/v1", "Prefix"), ("/v1/", "Prefix"), ("/adapters", "Prefix"), ("/adapterplane/load", "Exact"),
     ("/v1/load_lora_adapter", "Exact"), ("/adapters/a", "Prefix")],
)
def test_ingress_refuses_paths_that_reach_admin_routes(path: str, path_type: str) -> None:
    values = load_values("full")
    values["ingress"]["paths"] = [{"path": path, "pathType": path_type}]
    with pytest.raises(helm_python.HelmRenderError, match="would expose the admin route"):
        render(values)


def test_ingress_needs_a_host() -> None:
    values = load_values("full")
    for model in values["workers"]["models"]:
        model.pop("ingressHost")
    with pytest.raises(helm_python.HelmRenderError, match="ingressHost"):
        render(values)


def test_no_ingress_by_default() -> None:
    for name in ("defaults", "two-models", "existing-secrets"):
        assert not rendered(name).all("Ingress")
