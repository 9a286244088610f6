"""GET /v1/payments and /v1/payments/{id}: a payment stream's projection with its ledger
entries; a booking's payment state on GET /v1/bookings; who sees which payment."""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

import pytest

from shared.contract import payment_events as pe
from tests.conftest import Issuer
from tests.query.conftest import Fleet, ReadSide, iso
from tests.query.payment_support import PaidHold
from tests.query.test_locations_api import outsider


async def paid_booking(fleet: Fleet, customer: UUID | None = None) -> PaidHold:
    """A booking whose hold a customer pays for (its payment not started yet)."""
    vehicle = await fleet.register()
    customer = customer or uuid.uuid4()
    booking = await fleet.book(vehicle, fleet.at(hours=1), fleet.at(hours=4), customer)
    price = await fleet.conn.fetchval(
        "SELECT price_cents FROM bookings WHERE booking_id = $1", booking
    )
    return PaidHold(fleet, uuid.uuid4(), vehicle, customer, booking, price)


def entry(kind: str, cents: int, at: Any, **why: str) -> dict[str, Any]:
    return {"kind": kind, "amount_cents": cents, "at": iso(at), "provider_ref": "auth_1",
            "settlement": why.get("settlement"), "reason": why.get("reason")}  # fmt: skip


async def test_a_payment_reads_as_its_events_left_it_with_every_money_movement_listed(
    read: ReadSide, fleet: Fleet
) -> None:
    paid = await paid_booking(fleet)
    started = fleet.clock.now
    await paid.start()
    await paid.authorize()
    fleet.clock.advance(hours=5)
    ended = fleet.clock.now
    await paid.move(pe.PaymentCaptured, paid.price_cents, settlement="trip_ended")
    await paid.move(pe.PaymentVoided, paid.deposit_cents, settlement="trip_ended")
    fleet.clock.advance(days=1)
    await paid.move(pe.PaymentRefunded, 1_000, reason="goodwill")

    body = await read.ok(f"/v1/payments/{paid.payment_id}")

    total = paid.price_cents + paid.deposit_cents
    assert body == {
        "payment_id": str(paid.payment_id), "booking_id": str(paid.booking_id),
        "hold_id": str(paid.hold_id), "vehicle_id": str(paid.vehicle_id),
        "customer_id": str(paid.customer_id), "provider": "sandbox", "status": "refunded",
        "price_cents": paid.price_cents, "deposit_cents": 20_000, "amount_cents": total,
        "authorized_cents": total, "captured_cents": paid.price_cents,
        "refunded_cents": 1_000, "voided_cents": 20_000, "currency": "EUR",
        "decline_reason": None, "started_at": iso(started), "updated_at": iso(fleet.clock.now),
        "entries": [
            entry("authorized", total, started),
            entry("captured", paid.price_cents, ended, settlement="trip_ended"),
            entry("voided", 20_000, ended, settlement="trip_ended"),
            entry("refunded", 1_000, fleet.clock.now, reason="goodwill"),
        ],
    }  # fmt: skip


# What happened to the money, and the status it reads as (docs/payments.md).
LIFECYCLES = {
    "pending": [],
    "declined": ["decline"],
    "authorized": ["authorize"],
    "voided": ["authorize", "void all"],  # a hold that expired after its authorization
    "captured": ["authorize", "capture", "void rest"],  # captured stays: the rest is voided
    "refunded": ["authorize", "capture", "void rest", "refund"],
}


@pytest.mark.parametrize(("status", "steps"), LIFECYCLES.items(), ids=list(LIFECYCLES))
async def test_the_status_is_the_furthest_state_the_money_reached(
    read: ReadSide, fleet: Fleet, status: str, steps: list[str]
) -> None:
    paid = await paid_booking(fleet)
    await paid.start()
    total = paid.price_cents + paid.deposit_cents
    for step in steps:
        match step:
            case "decline":
                await paid.decline()
            case "authorize":
                await paid.authorize()
            case "void all":
                await paid.move(pe.PaymentVoided, total, settlement="hold_ended")
            case "capture":
                await paid.move(pe.PaymentCaptured, paid.price_cents, settlement="no_show")
            case "void rest":
                await paid.move(pe.PaymentVoided, paid.deposit_cents, settlement="no_show")
            case "refund":
                await paid.move(pe.PaymentRefunded, paid.price_cents, reason="complaint")

    body = await read.ok(f"/v1/payments/{paid.payment_id}")

    assert body["status"] == status
    assert body["decline_reason"] == ("card_declined" if status == "declined" else None)
    assert [e["kind"] for e in body["entries"]] == [
        {"authorize": "authorized", "capture": "captured", "refund": "refunded"}.get(s, "voided")
        for s in steps if s != "decline"
    ]  # fmt: skip


async def test_a_bookings_payments_are_listed_and_its_list_item_shows_the_authorized_one(
    read: ReadSide, fleet: Fleet
) -> None:
    declined = await paid_booking(fleet)
    await declined.start()
    await declined.decline()
    fleet.clock.advance(minutes=1)  # the customer tries another card for the same hold
    paid = PaidHold(fleet, declined.hold_id, declined.vehicle_id, declined.customer_id,
                    declined.booking_id, declined.price_cents)  # fmt: skip
    await paid.start()
    await paid.authorize()
    unpaid = await fleet.book(await fleet.register(), fleet.at(hours=1), fleet.at(hours=2))

    listed = await read.ok("/v1/payments", booking_id=str(paid.booking_id))
    bookings = {b["booking_id"]: b for b in (await read.ok("/v1/bookings"))["items"]}
    one = await read.ok(f"/v1/bookings/{paid.booking_id}")

    assert [p["payment_id"] for p in listed["items"]] == [
        str(declined.payment_id),
        str(paid.payment_id),
    ]
    assert [p["status"] for p in listed["items"]] == ["declined", "authorized"]
    total = paid.price_cents + paid.deposit_cents
    assert one["payment"] == bookings[str(paid.booking_id)]["payment"] == {
        "payment_id": str(paid.payment_id), "status": "authorized", "authorized_cents": total,
        "captured_cents": 0, "refunded_cents": 0, "voided_cents": 0, "currency": "EUR",
    }  # fmt: skip
    assert bookings[str(unpaid)]["payment"] is None


async def test_a_customer_sees_only_their_own_payments(
    read: ReadSide, fleet: Fleet, issuer: Issuer
) -> None:
    customer = uuid.uuid4()
    mine, theirs = await paid_booking(fleet, customer), await paid_booking(fleet)
    for paid in (mine, theirs):
        await paid.start()
        await paid.authorize()
    headers = {"Authorization": f"Bearer {await issuer.token('customer', customer)}"}

    own = await read.http.get(f"/v1/payments/{mine.payment_id}", headers=headers)
    other = await read.http.get(f"/v1/payments/{theirs.payment_id}", headers=headers)
    unknown = await read.http.get(f"/v1/payments/{uuid.uuid4()}", headers=headers)
    listed = await read.http.get("/v1/payments", headers=headers)
    by_booking = await read.http.get(
        "/v1/payments", params={"booking_id": str(theirs.booking_id)}, headers=headers
    )

    assert own.status_code == 200 and own.json()["customer_id"] == str(customer)
    assert other.status_code == unknown.status_code == 404
    assert other.json() | {"detail": ""} == unknown.json() | {"detail": ""}
    assert [p["payment_id"] for p in listed.json()["items"]] == [str(mine.payment_id)]
    assert by_booking.json()["items"] == []


async def test_another_organizations_payment_answers_like_an_unknown_id(
    read: ReadSide, fleet: Fleet, issuer: Issuer
) -> None:
    paid = await paid_booking(fleet)
    await paid.start()
    _, headers = await outsider(issuer)

    foreign = await read.http.get(f"/v1/payments/{paid.payment_id}", headers=headers)
    unknown = await read.http.get(f"/v1/payments/{uuid.uuid4()}", headers=headers)
    listed = await read.http.get(
        "/v1/payments", params={"booking_id": str(paid.booking_id)}, headers=headers
    )

    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json()["title"] == unknown.json()["title"]
    assert listed.status_code == 200 and listed.json()["items"] == []


async def test_a_vehicles_current_booking_shows_its_payment(read: ReadSide, fleet: Fleet) -> None:
    paid = await paid_booking(fleet)  # [now + 1 h, now + 4 h)
    await paid.start()
    await paid.authorize()
    fleet.clock.advance(hours=2)

    vehicle = await read.ok(f"/v1/vehicles/{paid.vehicle_id}")

    assert vehicle["current_booking"]["booking_id"] == str(paid.booking_id)
    assert vehicle["current_booking"]["payment"]["status"] == "authorized"
