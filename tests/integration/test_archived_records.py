"""A record the command side has archived (pruned from the vehicle's decision state) still
hides its existence from other customers, and still tells its owner and staff it is past."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx

from tests.integration.conftest import bearer, register, token_for

OWNER, STRANGER = uuid.uuid4(), uuid.uuid4()


def _at(clock: Any, hours: float) -> str:
    return (clock.now + timedelta(hours=hours)).isoformat()


async def _as(api: httpx.AsyncClient, user: uuid.UUID) -> dict[str, str]:
    return bearer(await token_for(api.app, "customer", user))  # type: ignore[attr-defined]


async def _archived_booking(api: httpx.AsyncClient, clock: Any) -> str:
    """The owner's booking, ended two days ago (so pruned from the decision state)."""
    vehicle = await register(api)
    body = {"vehicle_id": vehicle, "start": _at(clock, 1), "end": _at(clock, 2)}
    booked = await api.post("/v1/bookings", json=body, headers=await _as(api, OWNER))
    assert booked.status_code == 201, booked.text
    clock.advance(days=2)
    return str(booked.json()["booking_id"])


async def _cancel(api: httpx.AsyncClient, booking: str, headers: dict[str, str]) -> httpx.Response:
    return await api.post(f"/v1/bookings/{booking}/cancel", json={"reason": "x"}, headers=headers)


async def test_another_customers_archived_booking_answers_like_an_unknown_id(api, clock):
    booking = await _archived_booking(api, clock)
    stranger = await _as(api, STRANGER)

    theirs = await _cancel(api, booking, stranger)
    unknown_id = str(uuid.uuid4())
    unknown = await _cancel(api, unknown_id, stranger)

    assert theirs.status_code == unknown.status_code == 404
    assert theirs.text.replace(booking, "<id>") == unknown.text.replace(unknown_id, "<id>")


async def test_the_owner_and_staff_learn_an_archived_booking_is_past(api, clock):
    booking = await _archived_booking(api, clock)

    for headers in (await _as(api, OWNER), {}):  # {}: the client's own admin token
        resp = await _cancel(api, booking, headers)
        assert resp.status_code == 409, resp.text
        assert resp.json()["type"].endswith("entity-closed")
