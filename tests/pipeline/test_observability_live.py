"""The live services' /metrics against what operators are given: every metric the alert
rules and the Grafana dashboard read exists, and a command service with two uvicorn
workers reports requests and processes of both."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from shared.kit.auth.client import SignedIn
from shared.kit.kafka_admin import ensure_topic
from tests.integration.conftest import new_vehicle
from tests.pipeline.stack import Stack
from tests.scrape import (
    DASHBOARD,
    PROMETHEUS_BUILTINS,
    names_used_by_rules_and_dashboard,
    samples,
    value,
)

HTTP = "fleet_http_request_duration_seconds_count"
PROBES = 10


@pytest.fixture(scope="module")
async def stack(cluster, broker, tmp_path_factory: pytest.TempPathFactory):
    """One stack for the module: each test counts requests of a route the other never calls."""
    topic = f"obs.{uuid.uuid4().hex[:8]}"
    await ensure_topic(broker.bootstrap, topic, 4)
    stack = Stack(
        command_dsn=await cluster.create_database("obs_cmd"),
        query_dsn=await cluster.create_database("obs_query"),
        bootstrap=broker.bootstrap,
        topic=topic,
        log_dir=tmp_path_factory.mktemp("obs"),
        command_workers=2,
    )
    try:
        stack.start_command()
        stack.start_query()
        yield stack
    finally:
        stack.stop()


async def exercise(stack: Stack, http: httpx.AsyncClient) -> None:
    """A booking written on the command side and read back through the pipeline."""
    vehicle = (await http.post(f"{stack.command_url}/v1/vehicles", json=new_vehicle())).json()
    start = datetime.now(UTC) + timedelta(days=2)
    booked = await http.post(
        f"{stack.command_url}/v1/bookings",
        json={
            "vehicle_id": vehicle["vehicle_id"],
            "start": start.isoformat(),
            "end": (start + timedelta(hours=2)).isoformat(),
        },
    )
    assert booked.status_code == 201, booked.text
    seen = await http.get(
        f"{stack.query_url}/v1/bookings/{booked.json()['booking_id']}",
        headers={"X-Consistency-Token": booked.json()["consistency_token"]},
    )
    assert seen.status_code == 200, seen.text


def parent_of(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[1])


async def test_alert_rules_and_dashboard_read_only_metrics_the_services_expose(stack) -> None:
    auth = SignedIn(stack.accounts.admin, stack.command_url)
    async with httpx.AsyncClient(timeout=30, auth=auth) as http:
        await exercise(stack, http)
        command = (await http.get(f"{stack.command_url}/metrics")).text
        query = (await http.get(f"{stack.query_url}/metrics")).text
    exposed = {name for name, _, _ in samples(command) + samples(query)}

    used = names_used_by_rules_and_dashboard(json.loads(DASHBOARD.read_text()))

    assert used - PROMETHEUS_BUILTINS <= exposed, sorted(used - PROMETHEUS_BUILTINS - exposed)
    assert value(command, "fleet_relay_leader") == 1
    assert value(query, "fleet_query_events_total", source="kafka", outcome="applied") >= 2
    assert value(query, HTTP, route="/v1/bookings/{booking_id}", status="200") == 1


async def test_two_workers_report_every_request_and_both_processes(stack) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        for _ in range(PROBES):
            assert (await http.get(f"{stack.command_url}/healthz")).status_code == 200
        text = (await http.get(f"{stack.command_url}/metrics")).text

    # Whichever worker answers the scrape, it reports the requests both served...
    assert value(text, HTTP, route="/healthz", method="GET", status="200") == PROBES
    # ...and the process metrics of each worker, by pid.
    supervisor = stack.procs["command"].pid
    for metric in ("process_resident_memory_bytes", "process_cpu_seconds_total"):
        pids = {int(labels["pid"]) for name, labels, _ in samples(text) if name == metric}
        assert len(pids) == 2, metric
        assert {parent_of(pid) for pid in pids} == {supervisor}
    assert value(text, "process_open_fds") > 0
    assert value(text, "process_start_time_seconds") > 1.7e9
