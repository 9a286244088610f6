"""The command service's /metrics: requests by route template and status, process metrics."""

from __future__ import annotations

import uuid

import httpx

from tests.integration.conftest import new_vehicle
from tests.scrape import samples, value

HTTP = "fleet_http_request_duration_seconds_count"


async def scrape(api: httpx.AsyncClient) -> str:
    response = await api.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def test_counts_requests_by_route_template_method_and_status(api: httpx.AsyncClient) -> None:
    history = "/v1/vehicles/{vehicle_id}/history"
    before = await scrape(api)

    registered = await api.post("/v1/vehicles", json=new_vehicle())
    vehicle_id = registered.json()["vehicle_id"]
    for _ in range(2):
        assert (await api.get(f"/v1/vehicles/{vehicle_id}/history")).status_code == 200
    assert (await api.get(f"/v1/vehicles/{uuid.uuid4()}/history")).status_code == 404
    assert (await api.post("/v1/vehicles", json={"vin": "short"})).status_code == 422
    after = await scrape(api)

    def grew(route: str, method: str, status: str) -> float:
        labels = {"route": route, "method": method, "status": status}
        return value(after, HTTP, **labels) - value(before, HTTP, **labels)

    assert registered.status_code == 201
    assert grew("/v1/vehicles", "POST", "201") == 1
    assert grew("/v1/vehicles", "POST", "422") == 1
    assert grew(history, "GET", "200") == 2
    assert grew(history, "GET", "404") == 1
    assert grew("/metrics", "GET", "200") == 1  # the first scrape
    routes = {labels["route"] for name, labels, _ in samples(after) if name == HTTP}
    assert not [route for route in routes if vehicle_id in route], "raw paths leak into labels"


async def test_paths_no_route_serves_share_one_label(api: httpx.AsyncClient) -> None:
    before = await scrape(api)

    for path in ("/wp-login.php", f"/v1/{uuid.uuid4()}", "/v1/vehicles/x/y/z"):
        assert (await api.get(path)).status_code == 404
    after = await scrape(api)

    routes = {labels["route"] for name, labels, _ in samples(after) if name == HTTP}
    assert (
        value(after, HTTP, route="unmatched", status="404")
        - value(before, HTTP, route="unmatched", status="404")
        == 3
    )
    assert not [route for route in routes if "wp-login" in route or "/x/y" in route]


async def test_a_body_over_the_cap_is_counted_as_a_413(api: httpx.AsyncClient) -> None:
    before = value(await scrape(api), HTTP, status="413")

    answer = await api.post("/v1/vehicles", content=b"{" + b" " * (2 * 1024 * 1024) + b"}")

    assert answer.status_code == 413
    assert value(await scrape(api), HTTP, status="413", method="POST") - before == 1


async def test_latency_histogram_has_buckets_and_a_sum(api: httpx.AsyncClient) -> None:
    await api.get("/healthz")
    text = await scrape(api)

    labels = {"route": "/healthz", "method": "GET", "status": "200"}
    count = value(text, HTTP, **labels)
    assert count >= 1
    assert value(text, "fleet_http_request_duration_seconds_bucket", le="+Inf", **labels) == count
    assert 0 < value(text, "fleet_http_request_duration_seconds_sum", **labels) < count * 5


async def test_exposes_process_metrics(api: httpx.AsyncClient) -> None:
    text = await scrape(api)

    assert value(text, "process_resident_memory_bytes") > 10 * 2**20
    assert value(text, "process_cpu_seconds_total") > 0
    assert 0 < value(text, "process_open_fds") < value(text, "process_max_fds")
    assert value(text, "process_start_time_seconds") > 1.7e9
