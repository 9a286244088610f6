"""On the query service a customer sees only their own bookings, holds and trips.

Another customer's record by id answers 404 (its existence is not revealed); asking to
list someone else's is 403; a list without a filter is the caller's own; staff see all.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest

from tests.integration.conftest import new_vehicle
from tests.security.conftest import window
from tests.security.support import Person, Projection, assert_problem

RECORDS = ["bookings", "holds", "trips"]


@dataclass(frozen=True)
class Records:
    """Ids of one customer's booking, hold and trip, by collection name."""

    ids: dict[str, str]
    vehicle_id: str


async def records_of(command: httpx.AsyncClient, who: Person, manager: Person) -> Records:
    """A vehicle of their own with a booking on a running trip, and a later hold."""
    registered = await command.post("/v1/vehicles", json=new_vehicle(), headers=manager.auth)
    vehicle = registered.json()["vehicle_id"]
    booked = await command.post(
        "/v1/bookings", json={"vehicle_id": vehicle, **window(10, 70)}, headers=who.auth
    )
    assert booked.status_code == 201, booked.text
    booking = booked.json()["booking_id"]
    trip = await command.post(
        "/v1/trips", json={"booking_id": booking, "odometer_km": 1000}, headers=who.auth
    )
    assert trip.status_code == 201, trip.text
    held = await command.post(
        "/v1/holds",
        json={"vehicle_id": vehicle, **window(240, 300), "ttl_seconds": 3600},
        headers=who.auth,
    )
    assert held.status_code == 201, held.text
    ids = {
        "bookings": booking,
        "trips": trip.json()["trip_id"],
        "holds": held.json()["hold_id"],
    }
    return Records(ids, vehicle)


@pytest.fixture(scope="module")
async def records(command, alice, bob, manager, projection: Projection) -> dict[str, Records]:
    mine, theirs = (
        await records_of(command, alice, manager),
        await records_of(command, bob, manager),
    )
    await projection.catch_up()
    return {"alice": mine, "bob": theirs}


@pytest.mark.parametrize("collection", RECORDS)
async def test_a_customer_reading_another_customers_record_by_id_gets_404(
    query, alice, records, collection
):
    their_id = records["bob"].ids[collection]
    body = assert_problem(await query.get(f"/v1/{collection}/{their_id}", headers=alice.auth), 404)
    assert str(records["bob"].vehicle_id) not in body["detail"]


@pytest.mark.parametrize("collection", RECORDS)
async def test_a_customer_reads_their_own_record_by_id(query, alice, records, collection):
    resp = await query.get(
        f"/v1/{collection}/{records['alice'].ids[collection]}", headers=alice.auth
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["customer_id"] == str(alice.user_id)


@pytest.mark.parametrize("collection", RECORDS)
async def test_a_customer_listing_another_customers_records_gets_403(
    query, alice, bob, records, collection
):
    resp = await query.get(
        f"/v1/{collection}", params={"customer_id": str(bob.user_id)}, headers=alice.auth
    )
    assert_problem(resp, 403)


@pytest.mark.parametrize("collection", RECORDS)
async def test_a_customers_unfiltered_list_holds_only_their_own_records(
    query, alice, records, collection
):
    resp = await query.get(f"/v1/{collection}", params={"limit": 500}, headers=alice.auth)
    assert resp.status_code == 200, resp.text
    items = resp.json()["items"]
    assert records["alice"].ids[collection] in {_id(collection, i) for i in items}
    assert {i["customer_id"] for i in items} == {str(alice.user_id)}


@pytest.mark.parametrize("collection", RECORDS)
async def test_filtering_by_another_customers_vehicle_reveals_nothing(
    query, alice, records, collection
):
    resp = await query.get(
        f"/v1/{collection}", params={"vehicle_id": records["bob"].vehicle_id}, headers=alice.auth
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["items"] == []


@pytest.mark.parametrize("collection", RECORDS)
async def test_staff_see_every_customers_records(query, manager, records, collection):
    resp = await query.get(f"/v1/{collection}", params={"limit": 500}, headers=manager.auth)
    assert resp.status_code == 200, resp.text
    seen = {_id(collection, i) for i in resp.json()["items"]}
    assert {records["alice"].ids[collection], records["bob"].ids[collection]} <= seen
    one = await query.get(
        f"/v1/{collection}/{records['bob'].ids[collection]}", headers=manager.auth
    )
    assert one.status_code == 200, one.text


async def test_a_customer_cannot_read_staff_views(query, alice, records):
    vehicle = records["alice"].vehicle_id
    for path in (
        "/v1/vehicles",
        f"/v1/vehicles/{vehicle}",
        f"/v1/vehicles/{vehicle}/calendar",
        "/v1/maintenance",
        "/v1/stream",
    ):
        assert_problem(await query.get(path, headers=alice.auth), 403)


async def test_a_customer_may_search_availability(query, alice, records):
    resp = await query.get("/v1/availability", params=window(600, 660), headers=alice.auth)
    assert resp.status_code == 200, resp.text


def _id(collection: str, item: dict) -> str:
    return str(item[{"bookings": "booking_id", "holds": "hold_id", "trips": "trip_id"}[collection]])
