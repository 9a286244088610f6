"""The command API over HTTP against the real PostgreSQL: the contract of ../shared/API.md."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

from shared.contract.consistency import decode_token
from shared.contract.shards import shard_of
from tests.integration.conftest import CUSTOMER, book, new_vehicle, register


def at(clock: Any, hours: float) -> str:
    return (clock.now + timedelta(hours=hours)).isoformat()


async def test_registering_a_vehicle_returns_id_version_etag_and_token(api):
    resp = await api.post("/v1/vehicles", json=new_vehicle())
    assert resp.status_code == 201
    body = resp.json()
    assert body["version"] == 1
    assert resp.headers["etag"] == '"1"'
    assert decode_token(body["consistency_token"]) == (uuid.UUID(body["vehicle_id"]), 1)


async def test_duplicate_vin_and_plate_answer_409(api):
    first = new_vehicle()
    assert (await api.post("/v1/vehicles", json=first)).status_code == 201
    same_vin = await api.post("/v1/vehicles", json=new_vehicle(vin=first["vin"]))
    assert same_vin.status_code == 409
    assert same_vin.headers["content-type"] == "application/problem+json"
    same_plate = await api.post("/v1/vehicles", json=new_vehicle(plate=first["plate"].lower()))
    assert same_plate.status_code == 409
    assert "plate" in same_plate.json()["title"].lower()


async def test_concurrent_registrations_of_one_vin_let_exactly_one_win(api, db):
    body = new_vehicle()
    bodies = [{**body, "plate": f"RACE-{i}"} for i in range(12)]
    results = await asyncio.gather(*(api.post("/v1/vehicles", json=b) for b in bodies))
    assert sorted(r.status_code for r in results) == [201] + [409] * 11
    count = await db.fetchval(
        "SELECT count(*) FROM events WHERE event_type = 'VehicleRegistered' AND data->>'vin' = $1",
        body["vin"],
    )
    assert count == 1


async def test_booking_is_priced_and_overlap_answers_409_with_conflicts(api, clock):
    vehicle = await register(api)
    first = await book(api, vehicle, at(clock, 24), at(clock, 27))
    assert first.status_code == 201
    assert first.json()["price_cents"] == 3 * 1200
    assert first.json()["status"] == "confirmed"
    clash = await book(api, vehicle, at(clock, 26), at(clock, 28))
    assert clash.status_code == 409
    conflicts = clash.json()["conflicts"]
    assert [(c["kind"], c["id"]) for c in conflicts] == [("booking", first.json()["booking_id"])]
    touching = await book(api, vehicle, at(clock, 27), at(clock, 28))
    assert touching.status_code == 201  # half-open intervals: [24,27) and [27,28) do not overlap


async def test_hold_blocks_until_confirmed_then_booking_keeps_quote(api, clock):
    vehicle = await register(api)
    hold = await api.post(
        "/v1/holds",
        json={
            "vehicle_id": vehicle,
            "start": at(clock, 48),
            "end": at(clock, 50),
            "customer_id": CUSTOMER,
        },
    )
    assert hold.status_code == 201
    assert (await book(api, vehicle, at(clock, 49), at(clock, 51))).status_code == 409
    confirmed = await api.post(f"/v1/holds/{hold.json()['hold_id']}/confirm")
    assert confirmed.status_code == 201
    assert confirmed.json()["price_cents"] == hold.json()["price_cents"]
    again = await api.post(f"/v1/holds/{hold.json()['hold_id']}/confirm")
    assert again.status_code == 409


async def test_expired_hold_stops_blocking_and_sweeper_records_it(api, clock, db):
    vehicle = await register(api)
    hold = await api.post(
        "/v1/holds",
        json={
            "vehicle_id": vehicle,
            "start": at(clock, 5),
            "end": at(clock, 6),
            "ttl_seconds": 60,
            "customer_id": CUSTOMER,
        },
    )
    assert hold.status_code == 201
    clock.advance(seconds=61)
    assert (await book(api, vehicle, at(clock, 5), at(clock, 6))).status_code == 201
    expired = await api.app.state.sweeper.sweep_once()
    assert expired >= 1
    types = await db.fetch(
        "SELECT event_type FROM events WHERE stream_id = $1 ORDER BY version", uuid.UUID(vehicle)
    )
    assert [r["event_type"] for r in types][-1] == "HoldExpired"
    assert (
        await db.fetchval(
            "SELECT count(*) FROM open_holds WHERE stream_id = $1", uuid.UUID(vehicle)
        )
        == 0
    )


async def test_cancel_refund_policy_and_second_cancel_is_409(api, clock):
    vehicle = await register(api)
    booking = (await book(api, vehicle, at(clock, 30), at(clock, 32))).json()
    cancelled = await api.post(
        f"/v1/bookings/{booking['booking_id']}/cancel", json={"reason": "plans changed"}
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["refund_cents"] == booking["price_cents"]
    again = await api.post(f"/v1/bookings/{booking['booking_id']}/cancel", json={"reason": "x"})
    assert again.status_code == 409


async def test_trip_lifecycle_updates_odometer_and_completes_booking(api, clock):
    vehicle = await register(api)
    booking = (await book(api, vehicle, at(clock, 1), at(clock, 3))).json()
    clock.advance(hours=1)
    low = await api.post(
        "/v1/trips", json={"booking_id": booking["booking_id"], "odometer_km": 999}
    )
    assert low.status_code == 409
    trip = await api.post(
        "/v1/trips", json={"booking_id": booking["booking_id"], "odometer_km": 1000}
    )
    assert trip.status_code == 201
    clock.advance(minutes=90)
    ended = await api.post(f"/v1/trips/{trip.json()['trip_id']}/end", json={"odometer_km": 1042})
    assert ended.status_code == 200
    assert ended.json()["distance_km"] == 42
    assert ended.json()["duration_s"] == 90 * 60


async def test_stale_if_match_answers_412_and_current_one_succeeds(api):
    vehicle = await register(api)
    stale = await api.patch(
        f"/v1/vehicles/{vehicle}", json={"seats": 4}, headers={"If-Match": '"7"'}
    )
    assert stale.status_code == 412
    fresh = await api.patch(
        f"/v1/vehicles/{vehicle}", json={"seats": 4}, headers={"If-Match": '"1"'}
    )
    assert fresh.status_code == 200
    assert fresh.headers["etag"] == '"2"'


async def test_idempotency_key_replays_first_response_and_rejects_other_body(api, clock, db):
    vehicle = await register(api)
    key = {"Idempotency-Key": f"book-{uuid.uuid4()}"}
    first = await book(api, vehicle, at(clock, 60), at(clock, 61), **key)
    replay = await book(api, vehicle, at(clock, 60), at(clock, 61), **key)
    assert (replay.status_code, replay.json()) == (first.status_code, first.json())
    other = await book(api, vehicle, at(clock, 70), at(clock, 71), **key)
    assert other.status_code == 422
    bookings = await db.fetchval(
        "SELECT count(*) FROM events WHERE stream_id = $1 AND event_type = 'BookingConfirmed'",
        uuid.UUID(vehicle),
    )
    assert bookings == 1


async def test_concurrent_requests_with_one_idempotency_key_book_once(api, clock, db):
    vehicle = await register(api)
    key = {"Idempotency-Key": f"race-{uuid.uuid4()}"}
    results = await asyncio.gather(
        *(book(api, vehicle, at(clock, 80), at(clock, 81), **key) for _ in range(8))
    )
    assert {r.status_code for r in results} == {201}
    assert len({r.json()["booking_id"] for r in results}) == 1
    bookings = await db.fetchval(
        "SELECT count(*) FROM events WHERE stream_id = $1 AND event_type = 'BookingConfirmed'",
        uuid.UUID(vehicle),
    )
    assert bookings == 1


async def test_history_is_the_audit_trail_with_metadata(api, clock):
    vehicle = await register(api)
    await book(api, vehicle, at(clock, 10), at(clock, 11), **{"X-Correlation-Id": "corr-42"})
    resp = await api.get(f"/v1/vehicles/{vehicle}/history")
    assert resp.status_code == 200
    items = resp.json()["items"]
    assert [i["type"] for i in items] == ["VehicleRegistered", "BookingConfirmed"]
    assert items[1]["metadata"]["correlation_id"] == "corr-42"
    assert set(items[1]["metadata"]) == {"correlation_id", "causation_id", "actor"}
    assert (await api.get(f"/v1/vehicles/{uuid.uuid4()}/history")).status_code == 404


async def test_events_feed_pages_after_a_global_position(api):
    await register(api)
    await register(api)
    page = (await api.get("/v1/events", params={"limit": 1})).json()
    assert len(page["items"]) == 1
    rest = (await api.get("/v1/events", params={"after": page["next_after"]})).json()
    seen = {i["event_id"] for i in page["items"]} | {i["event_id"] for i in rest["items"]}
    assert len(seen) == 1 + len(rest["items"])
    assert (await api.get("/v1/events", params={"after": 10**9})).status_code == 422


async def test_a_sharded_feed_page_covers_the_same_events_and_carries_only_its_shards(api):
    for _ in range(8):
        await register(api)
    whole = (await api.get("/v1/events", params={"limit": 5000})).json()
    vehicle = {i["event_id"]: uuid.UUID(i["vehicle_id"]) for i in whole["items"]}
    pages = [
        (await api.get("/v1/events", params={"limit": 5000, "shards": 4, "shard": k})).json()
        for k in range(4)
    ]
    for k, page in enumerate(pages):
        assert {i["event_id"] for i in page["items"]} == {
            e for e, v in vehicle.items() if shard_of(v, 4) == k
        }
        assert (page["next_after"], page["covered"]) == (whole["next_after"], len(vehicle))
    assert sum(len(page["items"]) for page in pages) == len(vehicle)


async def test_a_page_of_other_shards_events_is_not_the_feeds_end(api):
    await register(api)
    first = (await api.get("/v1/events", params={"limit": 1})).json()["items"][0]
    other = (shard_of(uuid.UUID(first["vehicle_id"]), 2) + 1) % 2
    page = await api.get("/v1/events", params={"limit": 1, "shards": 2, "shard": other})
    assert page.json() == {"items": [], "next_after": first["global_position"], "covered": 1}


async def test_a_feed_shard_outside_the_split_is_refused_with_a_problem(api):
    for params, field in (
        ({"shards": 3}, "shards"), ({"shards": 512}, "shards"),
        ({"shards": 4, "shard": 4}, "shard"), ({"shards": 2, "shard": -1}, "shard"),
    ):  # fmt: skip
        resp = await api.get("/v1/events", params=params)
        assert resp.status_code == 422, params
        assert resp.headers["content-type"] == "application/problem+json"
        assert field in resp.text


async def test_health_readiness_and_metrics(api):
    assert (await api.get("/healthz")).status_code == 200
    ready = await api.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "ok"
    await register(api)
    metrics = (await api.get("/metrics")).text
    assert 'fleet_command_duration_seconds_count{command="RegisterVehicle",outcome="ok"}' in metrics
