"""The side-by-side benchmark's row-lock reference, both stores: it answers the scenarios'
requests as Fleetledger's contract does, and never books a vehicle twice.

Not Fleetledger: a benchmark baseline (bench/crud_reference/). A reference that booked
overlapping windows, or answered differently, would make the comparison meaningless.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio

from bench.crud_reference import app as reference_app
from tests.integration.conftest import CUSTOMER, new_vehicle

T0 = datetime(2027, 3, 1, 8, tzinfo=UTC)


@pytest_asyncio.fixture(params=["create_orm_app", "create_app"])
async def reference(
    request: pytest.FixtureRequest, cluster: Any, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.setenv("CRUD_DATABASE_URL", await cluster.create_database("crud_ref"))
    app = getattr(reference_app, request.param)()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://crud") as http:
            yield http


def window(start_h: float, end_h: float) -> dict[str, str]:
    return {
        "start": (T0 + timedelta(hours=start_h)).isoformat(),
        "end": (T0 + timedelta(hours=end_h)).isoformat(),
    }


async def book(http: httpx.AsyncClient, vehicle: str, start_h: float, end_h: float) -> Any:
    body = {"vehicle_id": vehicle, "customer_id": CUSTOMER, **window(start_h, end_h)}
    return await http.post("/v1/bookings", json=body)


async def test_the_reference_books_a_window_once_and_refuses_overlaps(reference):
    registered = await reference.post("/v1/vehicles", json=(body := new_vehicle()))
    assert registered.status_code == 201, registered.text
    vehicle = registered.json()["vehicle_id"]
    assert (await reference.post("/v1/vehicles", json=body)).status_code == 409

    booked = await book(reference, vehicle, 0, 2)
    assert booked.status_code == 201, booked.text
    assert booked.json()["price_cents"] == 2 * body["hourly_rate_cents"]
    assert booked.json()["currency"] == body["currency"]
    assert (await book(reference, vehicle, 1, 3)).status_code == 409
    assert (await book(reference, vehicle, 2, 3)).status_code == 201  # adjacent
    assert (await book(reference, new_vehicle()["vin"], 0, 1)).status_code == 422
    unknown = "00000000-0000-4000-8000-000000000001"
    assert (await book(reference, unknown, 0, 1)).status_code == 404
    assert (await book(reference, vehicle, 5, 5)).status_code == 422


async def test_the_reference_lists_only_vehicles_free_over_the_window(reference):
    ids = []
    for _ in range(2):
        resp = await reference.post("/v1/vehicles", json=new_vehicle())
        ids.append(resp.json()["vehicle_id"])
    assert (await book(reference, ids[0], 10, 12)).status_code == 201

    def listed(resp: httpx.Response) -> set[str]:
        assert resp.status_code == 200, resp.text
        return {item["vehicle_id"] for item in resp.json()["items"]}

    busy = await reference.get("/v1/availability", params=window(11, 13))
    assert listed(busy) == {ids[1]}
    free = await reference.get("/v1/availability", params=window(12, 13))
    assert listed(free) == set(ids)
