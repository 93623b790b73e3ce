"""ServiceMonitors that find the Services, and the Grafana dashboard's queries."""

from __future__ import annotations

import json
import re

from tests.helm.render import CHART_DIR, rendered, selector_matches

#: Worker metrics (vllm_plugin) and the vLLM engine gauges the dashboard may use.
KNOWN_METRICS = {
    "adapterplane_worker_requests_total",
    "adapterplane_worker_errors_total",
    "adapterplane_worker_request_latency_seconds_bucket",
    "adapterplane_worker_request_latency_seconds_sum",
    "adapterplane_worker_request_latency_seconds_count",
    "adapterplane_worker_tokens_total",
    "vllm:num_requests_running",
    "vllm:num_requests_waiting",
}
PROMQL_WORDS = {"sum", "by", "rate", "histogram_quantile", "on", "group_left", "le", "label_values", "ignoring"}


def dashboard() -> dict:
    return json.loads((CHART_DIR / "dashboards" / "adapterplane.json").read_text())


def test_service_monitors_find_the_services() -> None:
    r = rendered("full")
    monitors = {m["metadata"]["name"]: m for m in r.all("ServiceMonitor")}
    assert set(monitors) == {"ap-adapterplane", "ap-adapterplane-worker"}
    services = r.all("Service")
    for name, component, expected in (("ap-adapterplane", "control-plane", 1), ("ap-adapterplane-worker", "worker", 2)):
        monitor = monitors[name]
        assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
        assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
        selected = [s for s in services if selector_matches(monitor["spec"]["selector"], s["metadata"]["labels"])]
        assert len(selected) == expected
        assert all(s["metadata"]["labels"]["app.kubernetes.io/component"] == component for s in selected)
        (endpoint,) = monitor["spec"]["endpoints"]
        assert endpoint["port"] == "http" and endpoint["path"] == "/metrics"
        assert all(any(p["name"] == endpoint["port"] for p in s["spec"]["ports"]) for s in selected)
    relabel = monitors["ap-adapterplane-worker"]["spec"]["endpoints"][0]["relabelings"][0]
    assert relabel == {"sourceLabels": ["__meta_kubernetes_service_label_adapterplane_io_model"], "targetLabel": "base_model"}


def test_monitoring_is_opt_in() -> None:
    for name in ("defaults", "two-models"):
        kinds = {o["kind"] for o in rendered(name).objects}
        assert "ServiceMonitor" not in kinds
        assert not [c for c in rendered(name).all("ConfigMap") if "adapterplane.json" in c["data"]]


def test_dashboard_ships_as_a_sidecar_configmap() -> None:
    config_map = rendered("full").get("ConfigMap", "ap-adapterplane-dashboard")
    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert config_map["metadata"]["annotations"] == {"grafana_folder": "adapterplane"}
    assert json.loads(config_map["data"]["adapterplane.json"]) == dashboard()


def expressions() -> list[str]:
    return [t["expr"] for p in dashboard()["panels"] for t in p.get("targets", [])]


def test_dashboard_queries_use_only_known_metrics() -> None:
    for expr in expressions():
        for name in re.findall(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{", expr):
            assert name in KNOWN_METRICS, (name, expr)
        assert expr.count("(") == expr.count(")"), expr


def test_dashboard_shows_traffic_errors_and_latency_per_version() -> None:
    per_version = [e for e in expressions() if "by (tenant, adapter, version" in e]
    joined = "\n".join(per_version)
    assert "adapterplane_worker_requests_total" in joined
    assert "adapterplane_worker_errors_total" in joined
    assert "histogram_quantile(0.95, sum by (tenant, adapter, version, le)" in joined
    assert "adapterplane_worker_tokens_total" in joined
    variables = {v["name"] for v in dashboard()["templating"]["list"]}
    assert {"datasource", "base_model", "tenant", "adapter", "version"} <= variables
    for expr in expressions():
        if expr.startswith("sum") or "adapterplane_worker" in expr:
            assert "$__rate_interval" in expr or "vllm:" in expr, expr


def test_dashboard_panels_are_well_formed() -> None:
    board = dashboard()
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids))
    assert board["uid"] and board["title"]
    for panel in board["panels"]:
        for target in panel.get("targets", []):
            assert target["datasource"]["uid"] == "${datasource}"
