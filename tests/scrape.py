"""Reading Prometheus exposition text and the metric names PromQL expressions use."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from prometheus_client.parser import text_string_to_metric_families

OBSERVABILITY = Path(__file__).resolve().parent.parent / "deploy" / "observability"
ALERTS = OBSERVABILITY / "alerts.yml"
DASHBOARD = OBSERVABILITY / "grafana" / "dashboards" / "fleetledger.json"
PROMETHEUS_BUILTINS = {"up"}  # series Prometheus itself writes for every target

_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_MATCHERS = re.compile(r"\{[^}]*\}")
_RANGES = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_IDENTIFIER = re.compile(r"(?<![\w.$])([A-Za-z_:][A-Za-z0-9_:]*)\s*(\(?)")  # not in 5m, 1e3
_KEYWORDS = {"and", "or", "unless", "bool", "offset", "group_left", "group_right"}
_LABEL_VALUES = re.compile(r"^label_values\((.*),\s*\w+\)$")  # Grafana's, not PromQL


def samples(text: str) -> list[tuple[str, dict[str, str], float]]:
    """Every sample of an exposition: (name, labels, value)."""
    return [
        (sample.name, sample.labels, sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    ]


def value(text: str, name: str, **labels: str) -> float:
    """The sum of the samples named `name` whose labels include `labels` (0 if none)."""
    return sum(v for n, ls, v in samples(text) if n == name and labels.items() <= ls.items())


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (functions, keywords, labels aside)."""
    bare = _STRINGS.sub('""', expr)
    for pattern in (_MATCHERS, _RANGES, _GROUPING):
        bare = pattern.sub(" ", bare)
    return {name for name, call in _IDENTIFIER.findall(bare) if not call and name not in _KEYWORDS}


def alert_rules() -> list[dict[str, Any]]:
    """The rules of deploy/observability/alerts.yml, every group's in order."""
    groups = yaml.safe_load(ALERTS.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def dashboard_exprs(dashboard: dict[str, Any]) -> list[str]:
    """Every PromQL expression of a Grafana dashboard: its panels' and its variables'."""
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    variables = dashboard.get("templating", {}).get("list", [])
    queries = [v["query"] for v in variables if v.get("type") == "query"]
    return exprs + [_LABEL_VALUES.sub(r"\1", query) for query in queries]


def names_used_by_rules_and_dashboard(dashboard: dict[str, Any]) -> set[str]:
    """Every metric name alerts.yml and the dashboard read."""
    exprs = [rule["expr"] for rule in alert_rules()] + dashboard_exprs(dashboard)
    return set().union(*(metric_names(expr) for expr in exprs))
