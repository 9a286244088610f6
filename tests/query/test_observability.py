"""The query service's /metrics: requests by route template and status, process metrics."""

from __future__ import annotations

import uuid

from tests.query.conftest import Fleet, ReadSide
from tests.scrape import samples, value

HTTP = "fleet_http_request_duration_seconds_count"


async def scrape(read: ReadSide) -> str:
    response = await read.get("/metrics")
    assert response.status_code == 200
    return response.text


async def test_counts_reads_by_route_template_method_and_status(
    read: ReadSide, fleet: Fleet
) -> None:
    vehicle = "/v1/vehicles/{vehicle_id}"
    vehicle_id = await fleet.register()
    before = await scrape(read)

    assert (await read.get(f"/v1/vehicles/{vehicle_id}")).status_code == 200
    assert (await read.get(f"/v1/vehicles/{uuid.uuid4()}")).status_code == 404
    assert (await read.get("/v1/vehicles/not-a-uuid")).status_code == 422
    assert (await read.get("/v1/nothing-here")).status_code == 404
    after = await scrape(read)

    def grew(route: str, status: str) -> float:
        labels = {"route": route, "method": "GET", "status": status}
        return value(after, HTTP, **labels) - value(before, HTTP, **labels)

    assert grew(vehicle, "200") == 1
    assert grew(vehicle, "404") == 1
    assert grew(vehicle, "422") == 1
    assert grew("unmatched", "404") == 1
    routes = {labels["route"] for name, labels, _ in samples(after) if name == HTTP}
    assert not [route for route in routes if str(vehicle_id) in route or "not-a-uuid" in route]


async def test_counts_refused_callers_under_the_route_they_called(read: ReadSide) -> None:
    route = "/v1/analytics/fleet/utilization"
    before = value(await scrape(read), HTTP, route=route, status="401")

    refused = await read.http.get(route, headers={"Authorization": "Bearer nonsense"})

    assert refused.status_code == 401
    assert value(await scrape(read), HTTP, route=route, status="401") - before == 1


async def test_exposes_process_metrics(read: ReadSide) -> None:
    text = await scrape(read)

    assert value(text, "process_resident_memory_bytes") > 10 * 2**20
    assert value(text, "process_cpu_seconds_total") > 0
    assert 0 < value(text, "process_open_fds") < value(text, "process_max_fds")
    assert value(text, "process_start_time_seconds") > 1.7e9
