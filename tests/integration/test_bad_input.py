"""Bad input always gets a clear problem+json and never writes anything."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from tests.integration.conftest import CUSTOMER, new_vehicle


@pytest.fixture
async def vehicle(api) -> str:
    resp = await api.post("/v1/vehicles", json=new_vehicle())
    return str(resp.json()["vehicle_id"])


async def event_count(db) -> int:
    return int(await db.fetchval("SELECT count(*) FROM events"))


def window(clock, start_h: float, end_h: float) -> dict[str, str]:
    return {
        "start": (clock.now + timedelta(hours=start_h)).isoformat(),
        "end": (clock.now + timedelta(hours=end_h)).isoformat(),
    }


def assert_problem(resp, status: int) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    body = resp.json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    return body


async def test_malformed_json_is_400(api, db):
    before = await event_count(db)
    resp = await api.post(
        "/v1/vehicles", content=b'{"vin": ', headers={"content-type": "application/json"}
    )
    assert_problem(resp, 400)
    assert await event_count(db) == before


@pytest.mark.parametrize(
    "change",
    [
        {"year": "two thousand"},
        {"seats": [5]},
        {"hourly_rate_cents": -1},
        {"home": {"lat": 91, "lon": 0}},
        {"currency": "EURO"},
    ],
)
async def test_wrong_types_and_ranges_are_422_with_field_errors(api, db, change):
    before = await event_count(db)
    body = assert_problem(await api.post("/v1/vehicles", json=new_vehicle(**change)), 422)
    assert body["errors"] and body["errors"][0]["field"]
    assert await event_count(db) == before


@pytest.mark.parametrize(
    "change", [{"vin": "WVWZZZ1JZXW00000I"}, {"vin": "SHORT"}, {"plate": "!!"}, {"year": 1800}]
)
async def test_domain_validation_of_registration_is_422(api, db, change):
    before = await event_count(db)
    assert_problem(await api.post("/v1/vehicles", json=new_vehicle(**change)), 422)
    assert await event_count(db) == before


async def test_unknown_fields_are_rejected(api, db):
    before = await event_count(db)
    body = assert_problem(await api.post("/v1/vehicles", json=new_vehicle(colour="red")), 422)
    assert body["errors"][0]["field"] == "colour"
    assert await event_count(db) == before


async def test_body_over_one_mebibyte_is_413(api, db):
    before = await event_count(db)
    huge = {**new_vehicle(), "make": "x" * (1024 * 1024 + 10)}
    assert_problem(await api.post("/v1/vehicles", json=huge), 413)
    assert await event_count(db) == before


async def test_naive_datetime_is_422(api, db, vehicle, clock):
    before = await event_count(db)
    naive = (clock.now + timedelta(days=1)).replace(tzinfo=None).isoformat()
    body = {"vehicle_id": vehicle, "start": naive, "end": naive, "customer_id": CUSTOMER}
    assert_problem(await api.post("/v1/bookings", json=body), 422)
    assert await event_count(db) == before


@pytest.mark.parametrize(("start_h", "end_h"), [(5, 5), (5, 4), (-1, 2), (5, 5.1), (1, 800)])
async def test_bad_booking_windows_are_422(api, db, vehicle, clock, start_h, end_h):
    before = await event_count(db)
    body = {"vehicle_id": vehicle, "customer_id": CUSTOMER, **window(clock, start_h, end_h)}
    assert_problem(await api.post("/v1/bookings", json=body), 422)
    assert await event_count(db) == before


async def test_unknown_ids_are_404(api, db, clock):
    before = await event_count(db)
    body = {"vehicle_id": str(uuid.uuid4()), "customer_id": CUSTOMER, **window(clock, 2, 3)}
    assert_problem(await api.post("/v1/bookings", json=body), 404)
    assert_problem(await api.post(f"/v1/bookings/{uuid.uuid4()}/cancel", json={"reason": "x"}), 404)
    assert_problem(await api.post(f"/v1/holds/{uuid.uuid4()}/confirm"), 404)
    assert_problem(await api.post(f"/v1/trips/{uuid.uuid4()}/end", json={"odometer_km": 5}), 404)
    assert_problem(await api.patch(f"/v1/vehicles/{uuid.uuid4()}", json={"seats": 3}), 404)
    assert await event_count(db) == before


async def test_invalid_path_id_and_unknown_route_are_problems(api):
    assert_problem(await api.post("/v1/bookings/not-a-uuid/cancel", json={"reason": "x"}), 422)
    assert_problem(await api.get("/v1/nowhere"), 404)


async def test_overlong_idempotency_key_is_422(api, vehicle, clock):
    body = {"vehicle_id": vehicle, "customer_id": CUSTOMER, **window(clock, 2, 3)}
    resp = await api.post("/v1/bookings", json=body, headers={"Idempotency-Key": "k" * 256})
    assert_problem(resp, 422)


async def test_sql_shaped_strings_are_stored_as_data(api, db):
    evil = "x'); DROP TABLE events; --"
    resp = await api.post("/v1/vehicles", json=new_vehicle(make=evil))
    assert resp.status_code == 201
    assert await db.fetchval("SELECT count(*) FROM events WHERE data->>'make' = $1", evil) == 1
