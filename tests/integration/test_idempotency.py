"""Idempotency-Key: the same key and body get the first response again, refusals included.

API.md: "the same key with the same body returns the first response again (same status,
same body); with a different body → 422". Transient answers (503) are not the first
response of anything: a retry with the key must be able to succeed.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest

from command_service.application.errors import ContentionError
from command_service.domain import decide, fold
from command_service.store.event_store import EventStore
from command_service.store.idempotency import (
    IdempotencyKeyRaceError,
    ResponseStore,
    StoredResponse,
)
from command_service.store.pool import create_pool
from tests.integration.conftest import bearer, book, register, token_for
from tests.streams import META, booking_command, register_vehicle


def at(clock: Any, hours: float) -> str:
    return (clock.now + timedelta(hours=hours)).isoformat()


def new_key() -> dict[str, str]:
    return {"Idempotency-Key": f"key-{uuid.uuid4()}"}


async def bookings_on(db: Any, vehicle: str) -> int:
    count: int = await db.fetchval(
        "SELECT count(*) FROM events WHERE stream_id = $1 AND event_type = 'BookingConfirmed'",
        uuid.UUID(vehicle),
    )
    return count


async def stored_keys(db: Any, key: dict[str, str]) -> int:
    count: int = await db.fetchval(
        "SELECT count(*) FROM idempotency_keys WHERE key LIKE '%/' || $1",
        key["Idempotency-Key"],
    )
    return count


async def test_a_409_is_replayed_after_the_conflicting_booking_is_cancelled(api, clock, db):
    vehicle = await register(api)
    taken = (await book(api, vehicle, at(clock, 24), at(clock, 26))).json()
    key = new_key()
    refused = await book(api, vehicle, at(clock, 25), at(clock, 27), **key)
    assert refused.status_code == 409
    assert "idempotent-replayed" not in refused.headers
    cancel = await api.post(f"/v1/bookings/{taken['booking_id']}/cancel", json={"reason": "x"})
    assert cancel.status_code == 200

    retry = await book(api, vehicle, at(clock, 25), at(clock, 27), **key)

    assert (retry.status_code, retry.json()) == (409, refused.json())
    assert retry.headers["content-type"] == "application/problem+json"
    assert retry.headers["idempotent-replayed"] == "true"
    assert await bookings_on(db, vehicle) == 1  # only the cancelled one
    fresh = await book(api, vehicle, at(clock, 25), at(clock, 27), **new_key())
    assert fresh.status_code == 201  # the window really is free: the 409 came from the key


async def test_a_422_rule_violation_is_replayed_with_its_status_and_body(api, clock, db):
    vehicle = await register(api)
    key = new_key()
    too_short = await book(api, vehicle, at(clock, 5), at(clock, 5.1), **key)
    assert too_short.status_code == 422
    assert too_short.json()["errors"]

    retry = await book(api, vehicle, at(clock, 5), at(clock, 5.1), **key)

    assert (retry.status_code, retry.json()) == (422, too_short.json())
    assert retry.headers["idempotent-replayed"] == "true"
    assert await stored_keys(db, key) == 1


async def test_a_412_is_replayed_even_once_the_vehicle_reaches_that_version(api):
    vehicle = await register(api)
    key = {**new_key(), "If-Match": '"2"'}
    stale = await api.patch(f"/v1/vehicles/{vehicle}", json={"seats": 4}, headers=key)
    assert stale.status_code == 412
    moved = await api.patch(f"/v1/vehicles/{vehicle}", json={"seats": 3})
    assert moved.headers["etag"] == '"2"'

    retry = await api.patch(f"/v1/vehicles/{vehicle}", json={"seats": 4}, headers=key)

    assert (retry.status_code, retry.json()) == (412, stale.json())


async def test_a_change_that_changes_nothing_is_replayed_as_first_answered(api):
    vehicle = await register(api)
    key = new_key()
    unchanged = await api.patch(f"/v1/vehicles/{vehicle}", json={"seats": 5}, headers=key)
    assert (unchanged.status_code, unchanged.json()["version"]) == (200, 1)
    await api.patch(f"/v1/vehicles/{vehicle}", json={"seats": 3})

    retry = await api.patch(f"/v1/vehicles/{vehicle}", json={"seats": 5}, headers=key)

    assert (retry.status_code, retry.json()) == (200, unchanged.json())
    assert retry.headers["etag"] == '"1"'


async def test_the_key_with_another_body_is_refused_after_a_stored_refusal(api, clock, db):
    vehicle = await register(api)
    await book(api, vehicle, at(clock, 30), at(clock, 32))
    key = new_key()
    assert (await book(api, vehicle, at(clock, 31), at(clock, 33), **key)).status_code == 409

    other = await book(api, vehicle, at(clock, 40), at(clock, 41), **key)

    assert other.status_code == 422
    assert other.json()["type"] == "urn:fleetledger:problem:idempotency-key-reuse"
    assert await bookings_on(db, vehicle) == 1


async def test_a_403_for_who_the_caller_is_leaves_no_trace(api, clock, db):
    """A refused caller writes nothing (the security suite's rule); ownership never
    changes, so the retry is refused alike."""
    vehicle = await register(api)
    customer = bearer(await token_for(api.app, "customer", uuid.uuid4()))
    key = new_key()
    for _ in range(2):
        resp = await book(api, vehicle, at(clock, 8), at(clock, 9), **key, **customer)
        assert resp.status_code == 403
        assert "idempotent-replayed" not in resp.headers
    assert await stored_keys(db, key) == 0


async def test_contention_is_not_stored_so_a_retry_with_the_key_succeeds(
    api, clock, db, monkeypatch
):
    vehicle = await register(api)
    handler = api.app.state.handler

    async def kept_changing(vehicle_id: uuid.UUID, *_: Any) -> None:
        raise ContentionError(f"vehicle {vehicle_id} kept changing; retry shortly")

    monkeypatch.setattr(handler, "on_vehicle", kept_changing)
    key = new_key()
    busy = await book(api, vehicle, at(clock, 12), at(clock, 13), **key)
    assert (busy.status_code, busy.headers["retry-after"]) == (503, "1")
    assert await stored_keys(db, key) == 0
    monkeypatch.undo()

    retry = await book(api, vehicle, at(clock, 12), at(clock, 13), **key)

    assert retry.status_code == 201
    assert "idempotent-replayed" not in retry.headers
    assert await bookings_on(db, vehicle) == 1


async def test_concurrent_refusals_with_one_key_store_one_and_replay_it(api, clock, db):
    vehicle = await register(api)
    await book(api, vehicle, at(clock, 50), at(clock, 52))
    key = new_key()
    results = await asyncio.gather(
        *(book(api, vehicle, at(clock, 51), at(clock, 53), **key) for _ in range(8))
    )
    assert {r.status_code for r in results} == {409}
    assert all(r.json() == results[0].json() for r in results)
    assert sum("idempotent-replayed" not in r.headers for r in results) == 1
    assert await stored_keys(db, key) == 1


@pytest.fixture
async def pool(command_dsn):
    pool = await create_pool(command_dsn, 1, 4)
    yield pool
    await pool.close()


def refusal(key: str) -> StoredResponse:
    return StoredResponse(key, b"fp", 409, {"status": 409, "title": "Calendar overlap"})


async def test_a_stored_refusal_makes_a_later_success_for_the_key_append_nothing(pool, clock):
    store, responses = EventStore(pool), ResponseStore(pool)
    vehicle_id, state = await register_vehicle(store, clock)
    key = f"test/{uuid.uuid4()}"
    assert await responses.keep_first(refusal(key)) == (refusal(key), True)

    events = decide(state, booking_command(clock, 3), clock.now, uuid.uuid4)
    success = StoredResponse(key, b"fp", 201, {"version": 2})
    with pytest.raises(IdempotencyKeyRaceError):
        await store.append(vehicle_id, state, events, fold(events, state), META, success)

    assert await store.read_events(vehicle_id, after_version=1) == []
    assert await responses.find(key) == refusal(key)


async def test_a_refusal_loses_to_the_success_committed_first_for_the_key(pool, clock):
    store, responses = EventStore(pool), ResponseStore(pool)
    vehicle_id, state = await register_vehicle(store, clock)
    key = f"test/{uuid.uuid4()}"
    events = decide(state, booking_command(clock, 3), clock.now, uuid.uuid4)
    success = StoredResponse(key, b"fp", 201, {"version": 2})
    await store.append(vehicle_id, state, events, fold(events, state), META, success)

    assert await responses.keep_first(refusal(key)) == (success, False)
