"""POST /v1/quotes and holds/bookings naming a quote, over the real database.

Without a pricing policy a vehicle is quoted by its own rates; a hold or booking naming
an unexpired quote for the same vehicle and window takes exactly the quoted price.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration.conftest import CUSTOMER, Other, new_vehicle, register

START, END = "2030-01-08T10:00:00Z", "2030-01-08T13:00:00Z"  # 3 h, the day after "now"
QUOTE_FIELDS = {
    "quote_id",
    "vehicle_id",
    "start",
    "end",
    "price_cents",
    "currency",
    "deposit_cents",
    "breakdown",
    "policy_id",
    "policy_version",
    "demand",
    "expires_at",
}


async def quote(api: httpx.AsyncClient, vehicle: str, **overrides: Any) -> httpx.Response:
    body = {"vehicle_id": vehicle, "start": START, "end": END, **overrides}
    return await api.post("/v1/quotes", json=body)


async def book_at(api: httpx.AsyncClient, path: str, vehicle: str, **fields: Any) -> httpx.Response:
    body = {"vehicle_id": vehicle, "start": START, "end": END, "customer_id": CUSTOMER, **fields}
    return await api.post(path, json=body)


async def test_a_vehicle_without_a_policy_is_quoted_by_its_rates_for_15_minutes(
    api: httpx.AsyncClient,
) -> None:
    vehicle = await register(api)
    resp = await quote(api, vehicle)
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert set(body) == QUOTE_FIELDS
    assert body["price_cents"] == 3 * 1200 and body["currency"] == "EUR"
    assert sum(line["amount_cents"] for line in body["breakdown"]) == body["price_cents"]
    assert body["policy_id"] is None and body["demand"] is None and body["deposit_cents"] == 0
    assert body["expires_at"] == "2030-01-07T08:15:00Z"  # the fake clock's now + 15 min


async def test_a_booking_naming_the_quote_takes_its_price_after_a_rate_change(
    api: httpx.AsyncClient,
) -> None:
    vehicle = await register(api)
    quoted = (await quote(api, vehicle)).json()
    changed = await api.patch(
        f"/v1/vehicles/{vehicle}", json={"hourly_rate_cents": 2000, "daily_rate_cents": 90000}
    )
    assert changed.status_code == 200, changed.text
    booked = await book_at(api, "/v1/bookings", vehicle, quote_id=quoted["quote_id"])
    assert booked.status_code == 201, booked.text
    body = booked.json()
    assert body["price_cents"] == quoted["price_cents"]
    assert body["breakdown"] == quoted["breakdown"]
    later = await quote(api, vehicle, start="2030-01-09T10:00:00Z", end="2030-01-09T13:00:00Z")
    assert later.json()["price_cents"] == 3 * 2000  # without the quote: today's rates


async def test_a_hold_naming_the_quote_keeps_its_price_into_the_booking(
    api: httpx.AsyncClient,
) -> None:
    vehicle = await register(api)
    quoted = (await quote(api, vehicle)).json()
    held = await book_at(api, "/v1/holds", vehicle, quote_id=quoted["quote_id"])
    assert held.status_code == 201, held.text
    assert held.json()["price_cents"] == quoted["price_cents"]
    confirmed = await api.post(f"/v1/holds/{held.json()['hold_id']}/confirm")
    assert confirmed.status_code == 201, confirmed.text
    assert confirmed.json()["breakdown"] == quoted["breakdown"]


async def test_bookings_without_a_quote_answer_as_before_plus_their_pricing(
    api: httpx.AsyncClient,
) -> None:
    vehicle = await register(api)
    booked = await book_at(api, "/v1/bookings", vehicle)
    assert booked.status_code == 201, booked.text
    body = booked.json()
    assert body["price_cents"] == 3 * 1200
    assert body["policy_id"] is None and body["policy_version"] is None
    assert body["extras"] == [] and body["deposit_cents"] == 0
    assert [line["amount_cents"] for line in body["breakdown"]] == [3 * 1200]


async def test_an_expired_quote_is_refused_with_quote_expired(
    api: httpx.AsyncClient, clock: Any
) -> None:
    vehicle = await register(api)
    quoted = (await quote(api, vehicle)).json()
    clock.advance(minutes=15)
    resp = await book_at(api, "/v1/bookings", vehicle, quote_id=quoted["quote_id"])
    assert resp.status_code == 409, resp.text
    assert resp.json()["type"].endswith("quote-expired")


async def test_a_quote_for_another_window_vehicle_or_extras_is_refused_422(
    api: httpx.AsyncClient,
) -> None:
    vehicle, other_vehicle = await register(api), await register(api)
    quote_id = (await quote(api, vehicle)).json()["quote_id"]
    for target, fields in [
        (vehicle, {"end": "2030-01-08T14:00:00Z"}),
        (other_vehicle, {}),
        (vehicle, {"extras": ["child-seat"]}),
    ]:
        resp = await book_at(api, "/v1/bookings", target, quote_id=quote_id, **fields)
        assert resp.status_code == 422, resp.text
        assert resp.json()["errors"][0]["field"] == "quote_id"


async def test_an_unknown_or_foreign_quote_reads_as_unknown(
    api: httpx.AsyncClient, other: Other
) -> None:
    ours = await register(api)
    foreign_vehicle = await api.post("/v1/vehicles", json=new_vehicle(), headers=other.admin)
    assert foreign_vehicle.status_code == 201, foreign_vehicle.text
    foreign_id = foreign_vehicle.json()["vehicle_id"]
    foreign = await api.post(
        "/v1/quotes",
        json={"vehicle_id": foreign_id, "start": START, "end": END},
        headers=other.admin,
    )
    assert foreign.status_code == 201, foreign.text
    unknown_id = "00000000-0000-4000-8000-00000000dead"
    answers = []
    for quote_id in (foreign.json()["quote_id"], unknown_id):
        resp = await book_at(api, "/v1/bookings", ours, quote_id=quote_id)
        assert resp.status_code == 404, resp.text
        answers.append(resp.json()["detail"].replace(quote_id, "<id>"))
    assert answers[0] == answers[1]


async def test_quotes_are_refused_as_the_booking_would_be(
    api: httpx.AsyncClient, other: Other
) -> None:
    vehicle = await register(api)
    assert (await book_at(api, "/v1/bookings", vehicle)).status_code == 201
    overlap = await quote(api, vehicle)
    assert overlap.status_code == 409 and overlap.json()["conflicts"], overlap.text
    too_short = await quote(api, vehicle, end="2030-01-08T10:05:00Z")
    assert too_short.status_code == 422, too_short.text
    unknown_extra = await quote(api, await register(api), extras=["child-seat"])
    assert unknown_extra.status_code == 422, unknown_extra.text
    foreign = await api.post(
        "/v1/quotes", json={"vehicle_id": vehicle, "start": START, "end": END}, headers=other.admin
    )
    unknown = await quote(api, "00000000-0000-4000-8000-00000000beef")
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json()["detail"] == unknown.json()["detail"]
