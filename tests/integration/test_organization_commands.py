"""The command side of two organizations on one installation: each has its own fleet.

API.md ("Organizations and locations"): naming any id of another organization answers
404 with exactly the body of an unknown id; VIN and plate are unique within an
organization; the catch-up feed and a vehicle's history hold only the caller's
organization (the `service` role reads all); staff book only for accounts of their own
organization. The operations come from the service's own OpenAPI document, so a new
command that names a vehicle, hold, booking, trip or maintenance id is covered here.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.integration.conftest import CUSTOMER, Other, book, new_vehicle, register
from tests.openapi_ops import operations
from tests.security.test_foreign_ids import Addressed, compare, normalized

ID_FIELDS = ("vehicle_id", "hold_id", "booking_id", "trip_id", "maintenance_id")
HEADER_SETS = {
    "plain": {},
    "with an Idempotency-Key": {"Idempotency-Key": "set per request"},
    "with a stale If-Match": {"If-Match": '"1"'},
}


def _at(clock: Any, **delta: float) -> str:
    return (clock.now + timedelta(**delta)).isoformat()


async def _created(resp: httpx.Response, field: str) -> str:
    assert resp.status_code == 201, resp.text
    return str(resp.json()[field])


async def default_records(api: httpx.AsyncClient, clock: Any) -> dict[str, str]:
    """A default-organization vehicle with a trip running, a later booking, a hold and a
    maintenance window: an id of every kind a command names."""
    vehicle = await register(api)
    on_trip = await _created(
        await book(api, vehicle, _at(clock, minutes=10), _at(clock, hours=2)), "booking_id"
    )
    trip = await api.post("/v1/trips", json={"booking_id": on_trip, "odometer_km": 1100})
    window = {"start": _at(clock, days=2), "end": _at(clock, days=2, hours=2)}
    hold = await api.post(
        "/v1/holds",
        json={"vehicle_id": vehicle, **window, "customer_id": CUSTOMER, "ttl_seconds": 3600},
    )
    maintenance = await api.post(
        f"/v1/vehicles/{vehicle}/maintenance",
        json={"start": _at(clock, days=3), "end": _at(clock, days=3, hours=4), "reason": "tyres"},
    )
    later = await book(api, vehicle, _at(clock, days=1), _at(clock, days=1, hours=2))
    return {
        "vehicle_id": vehicle,
        "trip_id": await _created(trip, "trip_id"),
        "hold_id": await _created(hold, "hold_id"),
        "maintenance_id": await _created(maintenance, "maintenance_id"),
        "booking_id": await _created(later, "booking_id"),
    }


def addressed(doc: dict[str, Any]) -> list[Addressed]:
    """Every operation naming one of ID_FIELDS in its path or its required body fields."""
    found = []
    for op in operations(doc):
        required = (op.body_schema or {}).get("required", [])
        for field in ID_FIELDS:
            if field in op.path_params or field in required:
                found.append(Addressed(op, field, in_path=field in op.path_params))
    return found


async def _stored(api: httpx.AsyncClient) -> int:
    pool = api.app.state.pool  # type: ignore[attr-defined]
    return int(await pool.fetchval("SELECT count(*) FROM events"))


@pytest.mark.parametrize("variant", list(HEADER_SETS))
async def test_another_organizations_ids_answer_exactly_like_unknown_ids(
    api: httpx.AsyncClient, clock: Any, other: Other, variant: str
):
    ids = await default_records(api, clock)
    targets = addressed((await api.get("/openapi.json")).json())
    assert {str(t.operation) for t in targets} >= {
        "POST /v1/vehicles/{vehicle_id}/retire",
        "POST /v1/maintenance/{maintenance_id}/complete",
        "POST /v1/holds/{hold_id}/confirm",
        "POST /v1/trips/{trip_id}/end",
        "GET /v1/vehicles/{vehicle_id}/history",
        "POST /v1/bookings",
    }
    before = await _stored(api)
    headers = {**other.manager, **HEADER_SETS[variant]}
    differences = [why for t in targets if (why := await compare(api, t, ids[t.field], headers))]
    assert not differences, "\n".join(differences)
    assert await _stored(api) == before  # nothing was written for the stranger


async def test_a_customer_of_another_organization_gets_unknown_id_answers_too(
    api: httpx.AsyncClient, clock: Any, other: Other
):
    ids = await default_records(api, clock)
    customer_side = 0
    for target in addressed((await api.get("/openapi.json")).json()):
        unknown = str(uuid.uuid4())
        theirs = await api.request(**target.request(ids[target.field]), headers=other.customer)
        alike = await api.request(**target.request(unknown), headers=other.customer)
        assert normalized(theirs, ids[target.field]) == normalized(alike, unknown), target
        assert theirs.status_code in (403, 404), target  # 403: a staff-only operation
        customer_side += theirs.status_code == 404
    assert customer_side >= 5  # holds, bookings and trips


async def test_an_archived_record_of_another_organization_answers_like_an_unknown_id(
    api: httpx.AsyncClient, clock: Any, other: Other
):
    vehicle = await register(api)
    booking = await _created(
        await book(api, vehicle, _at(clock, hours=1), _at(clock, hours=2)), "booking_id"
    )
    clock.advance(days=2)  # the booking is past: pruned from the decision state
    unknown = str(uuid.uuid4())
    body = {"reason": "x"}
    theirs = await api.post(f"/v1/bookings/{booking}/cancel", json=body, headers=other.admin)
    alike = await api.post(f"/v1/bookings/{unknown}/cancel", json=body, headers=other.admin)
    assert theirs.status_code == 404
    assert normalized(theirs, booking) == normalized(alike, unknown)
    own = await api.post(f"/v1/bookings/{booking}/cancel", json=body)
    assert own.status_code == 409 and own.json()["type"].endswith("entity-closed"), own.text


async def test_the_same_vin_and_plate_register_in_two_organizations(
    api: httpx.AsyncClient, other: Other
):
    car = new_vehicle()
    assert (await api.post("/v1/vehicles", json=car)).status_code == 201
    moved = await api.post("/v1/vehicles", json=car, headers=other.manager)
    assert moved.status_code == 201, moved.text
    again = await api.post(
        "/v1/vehicles", json={**new_vehicle(), "vin": car["vin"]}, headers=other.manager
    )
    assert again.status_code == 409 and again.json()["type"].endswith("vin-taken"), again.text
    plate = await api.post(
        "/v1/vehicles", json={**new_vehicle(), "plate": car["plate"]}, headers=other.manager
    )
    assert plate.status_code == 409 and plate.json()["type"].endswith("plate-taken"), plate.text
    mine = await register(api)
    changed = await api.patch(
        f"/v1/vehicles/{moved.json()['vehicle_id']}", json={"plate": "ZZ 999"}
    )  # the default admin cannot even see it
    assert changed.status_code == 404
    taken = await api.patch(f"/v1/vehicles/{mine}", json={"plate": car["plate"]})
    assert taken.status_code == 409


async def test_a_manager_books_for_an_employee_with_purpose_and_cost_centre(
    api: httpx.AsyncClient, clock: Any, other: Other
):
    vehicle = (await api.post("/v1/vehicles", json=new_vehicle(), headers=other.manager)).json()
    body = {
        "vehicle_id": vehicle["vehicle_id"],
        "start": _at(clock, days=1),
        "end": _at(clock, days=1, hours=3),
        "customer_id": str(other.customer_id),
        "purpose": "client visit",
        "cost_centre": "  CC-4711 ",
    }
    booked = await api.post("/v1/bookings", json=body, headers=other.manager)
    assert booked.status_code == 201, booked.text
    assert booked.json()["customer_id"] == str(other.customer_id)
    assert (booked.json()["purpose"], booked.json()["cost_centre"]) == ("client visit", "CC-4711")
    history = await api.get(f"/v1/vehicles/{vehicle['vehicle_id']}/history", headers=other.manager)
    confirmed = history.json()["items"][-1]
    assert confirmed["type"] == "BookingConfirmed"
    assert confirmed["data"]["cost_centre"] == "CC-4711"
    assert confirmed["data"]["organization_id"] == str(other.organization_id)


async def test_a_booking_confirmed_from_a_hold_keeps_purpose_and_cost_centre(
    api: httpx.AsyncClient, clock: Any, other: Other
):
    vehicle = (await api.post("/v1/vehicles", json=new_vehicle(), headers=other.manager)).json()
    held = await api.post(
        "/v1/holds",
        json={"vehicle_id": vehicle["vehicle_id"], "start": _at(clock, days=1),
              "end": _at(clock, days=1, hours=1), "customer_id": str(other.customer_id),
              "purpose": "fair", "cost_centre": "Sales"},
        headers=other.manager,
    )  # fmt: skip
    assert held.status_code == 201, held.text
    assert (held.json()["purpose"], held.json()["cost_centre"]) == ("fair", "Sales")
    confirmed = await api.post(
        f"/v1/holds/{held.json()['hold_id']}/confirm", headers=other.customer
    )
    assert confirmed.status_code == 201, confirmed.text
    assert (confirmed.json()["purpose"], confirmed.json()["cost_centre"]) == ("fair", "Sales")


@pytest.mark.parametrize("path", ["/v1/bookings", "/v1/holds"])
async def test_booking_for_someone_outside_the_organization_answers_unknown_customer(
    api: httpx.AsyncClient, clock: Any, other: Other, path: str
):
    vehicle = (await api.post("/v1/vehicles", json=new_vehicle(), headers=other.manager)).json()
    window = {"start": _at(clock, days=1), "end": _at(clock, days=1, hours=2)}
    before = await _stored(api)
    answers = []
    for customer in (CUSTOMER, str(uuid.uuid4())):  # default's customer; no account at all
        body = {"vehicle_id": vehicle["vehicle_id"], **window, "customer_id": customer}
        resp = await api.post(path, json=body, headers=other.manager)
        assert resp.headers["content-type"] == "application/problem+json"
        answers.append(normalized(resp, customer))
    assert answers[0] == answers[1] and answers[0][0] == 404, answers
    assert "customer" in answers[0][2]
    assert await _stored(api) == before


async def test_a_cost_centre_longer_than_64_characters_is_refused(
    api: httpx.AsyncClient, clock: Any
):
    vehicle = await register(api)
    body = {"vehicle_id": vehicle, "start": _at(clock, days=1), "end": _at(clock, days=1, hours=1)}
    resp = await api.post("/v1/bookings", json={**body, "cost_centre": "x" * 65})
    assert resp.status_code == 422, resp.text
    blank = await api.post("/v1/bookings", json={**body, "cost_centre": "   "})
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "cost_centre"
