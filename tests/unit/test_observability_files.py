"""deploy/observability/ and the compose profile: they parse and fit together.

Whether the metric names they use exist is checked against the live services in
tests/pipeline/test_observability_live.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from tests.scrape import (
    ALERTS,
    DASHBOARD,
    OBSERVABILITY,
    alert_rules,
    dashboard_exprs,
    metric_names,
    names_used_by_rules_and_dashboard,
)

ROOT = OBSERVABILITY.parent.parent
GRAFANA = OBSERVABILITY / "grafana"
SLI_METRICS = {
    "fleet_relay_lag_seconds",
    "fleet_query_consumer_lag_records",
    "fleet_query_open_gaps",
    "fleet_relay_horizon_age_seconds",
    "fleet_http_request_duration_seconds_bucket",
}


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def compose_service(name: str) -> dict[str, Any]:
    service: dict[str, Any] = load_yaml(ROOT / "docker-compose.yml")["services"][name]
    return service


def mounts(service: dict[str, Any]) -> dict[str, Path]:
    """Container path → file or folder of this repository."""
    pairs = (volume.split(":")[:2] for volume in service["volumes"])
    return {target: (ROOT / source).resolve() for source, target in pairs}


def test_metric_names_are_read_from_promql_without_functions_labels_or_keywords() -> None:
    expr = (
        'histogram_quantile(0.99, sum by (job, le) (rate(a_bucket{route!="/x", job=~"$job"}'
        "[$__rate_interval]))) / on (job) group_left max without (pid) (b_total offset 5m)"
        " and time() - c"
    )

    assert metric_names(expr) == {"a_bucket", "b_total", "c"}


def test_every_alert_has_a_severity_a_summary_a_description_and_a_duration() -> None:
    rules = alert_rules()

    assert len({rule["alert"] for rule in rules}) == len(rules), "alert names are unique"
    for rule in rules:
        assert re.fullmatch(r"Fleet[A-Za-z0-9]+", rule["alert"])
        assert rule["labels"]["severity"] in ("warning", "critical"), rule["alert"]
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]
        assert re.fullmatch(r"\d+[smh]", rule["for"]), rule["alert"]
        assert metric_names(rule["expr"]), rule["alert"]


def test_alerts_and_dashboard_cover_the_service_level_indicators() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    alerted = set().union(*(metric_names(rule["expr"]) for rule in alert_rules()))
    charted = set().union(*(metric_names(expr) for expr in dashboard_exprs(dashboard)))

    assert alerted >= SLI_METRICS
    assert charted >= SLI_METRICS
    p99 = [rule for rule in alert_rules() if "histogram_quantile(0.99" in rule["expr"]]
    assert any("fleet_http_request_duration_seconds_bucket" in r["expr"] for r in p99)


def test_dashboard_panels_query_the_provisioned_datasource() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    [datasource] = load_yaml(GRAFANA / "provisioning/datasources/prometheus.yml")["datasources"]
    panels = [panel for panel in dashboard["panels"] if panel["type"] != "row"]

    assert dashboard["uid"] and dashboard["title"]
    assert len(panels) >= 10
    assert len({panel["id"] for panel in dashboard["panels"]}) == len(dashboard["panels"])
    for panel in panels:
        assert panel["datasource"]["uid"] == datasource["uid"], panel["title"]
        assert panel["targets"] and all(t["expr"] for t in panel["targets"]), panel["title"]
    assert datasource["url"] == "http://prometheus:9090"


def test_prometheus_scrapes_both_services_and_loads_the_alert_rules() -> None:
    config = load_yaml(OBSERVABILITY / "prometheus.yml")
    prometheus = mounts(compose_service("prometheus"))
    targets = {
        job["job_name"]: job["static_configs"][0]["targets"] for job in config["scrape_configs"]
    }

    assert targets == {
        "fleet-command": ["command-service:8000"],
        "fleet-query": ["query-service:8001"],
    }
    assert [prometheus[path] for path in config["rule_files"]] == [ALERTS]
    assert set(compose_service("prometheus")["depends_on"]) == {"command-service", "query-service"}


def test_the_observability_profile_provisions_grafana_from_these_files() -> None:
    grafana, prometheus = compose_service("grafana"), compose_service("prometheus")
    mounted = mounts(grafana)
    [provider] = load_yaml(GRAFANA / "provisioning/dashboards/fleetledger.yml")["providers"]

    assert grafana["profiles"] == prometheus["profiles"] == ["observability"]
    assert all(path.exists() for path in [*mounted.values(), *mounts(prometheus).values()])
    assert mounted[provider["options"]["path"]] == DASHBOARD.parent
    home = grafana["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert mounted[str(Path(home).parent)] / Path(home).name == DASHBOARD
    assert all(not port.startswith("0.0.0.0") for port in grafana["ports"] + prometheus["ports"])
    assert "observability" not in str(compose_service("command-service").get("profiles"))


def test_rules_and_dashboard_read_only_fleet_process_and_target_health_series() -> None:
    names = names_used_by_rules_and_dashboard(json.loads(DASHBOARD.read_text()))

    assert names and all(re.match(r"(fleet|process)_|up$", name) for name in names), names
