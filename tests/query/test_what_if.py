"""GET /v1/analytics/pricing/what-if: a window's bookings repriced under one policy
version, checked against a brute-force repricing of the bookings the test made."""

from __future__ import annotations

import random
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from command_service.domain import commands as cmd
from query_service.api.queries import what_if as module
from shared.contract.organizations import DEFAULT_ORGANIZATION_ID as DEFAULT
from shared.pricing.engine import price_window
from shared.pricing.priced import PolicyVersion, Priced
from tests.conftest import Issuer
from tests.query.conftest import Fleet, ReadSide, iso
from tests.query.pricing_support import book_priced, priced, publish, terms
from tests.query.test_pricing_read import client

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Version 2 doubles the hourly rate and adds a surge: the repricing must use it, not v1.
V1 = terms(applies_to={"make": "Volkswagen"})
V2 = terms(
    applies_to={"make": "Volkswagen"}, rates={"hourly_cents": 2_400, "daily_cents": 9_000},
    demand=[{"min_utilization": 0.5, "multiplier": 1.5}],
    seasons=[{"start": "2020-01-01", "end": "2099-12-31", "multiplier": 1.1}],
)  # fmt: skip


@dataclass
class Made:
    """A booking as the test made it."""

    organization_id: UUID
    make: str
    currency: str
    start: datetime
    end: datetime
    pricing: Priced | None
    price_cents: int
    cancelled: bool = False


async def _fleet_of(fleet: Fleet, organization_id: UUID) -> list[tuple[UUID, str, str]]:
    """Three Volkswagens in EUR, a Tesla in EUR and a Volkswagen in USD."""
    made = []
    for make, currency in (("Volkswagen", "EUR"), ("Volkswagen", "EUR"), ("Volkswagen", "EUR"),
                           ("Tesla", "EUR"), ("Volkswagen", "USD")):  # fmt: skip
        vehicle = await fleet.register(
            make=make, currency=currency, organization_id=organization_id
        )
        made.append((vehicle, make, currency))
    return made


async def _bookings(fleet: Fleet, rng: random.Random, policy: UUID, org: UUID) -> list[Made]:
    """Bookings of 1 h to 2 days, 1..5 h apart, per vehicle over 12 days: some priced by the policy
    (random demand counts and extras, one the policy does not offer), some priced before
    policies, some cancelled."""
    made: list[Made] = []
    for vehicle, make, currency in await _fleet_of(fleet, org):
        start = fleet.at(hours=rng.randrange(1, 12))
        while start < fleet.at(days=12):
            end = start + timedelta(hours=rng.choice([1, 2, 3, 5, 8, 12, 26, 50]))
            pricing = None
            if currency == "EUR" and rng.random() < 0.8:
                extras = tuple(rng.sample(["child-seat", "snow-chains"], rng.randrange(3)))
                capacity = rng.choice([0, 48, 96])
                demand = (rng.randrange(capacity + 1), capacity)
                pricing = priced(policy, {"rental": rng.randrange(1_000, 40_000), "extras": 500},
                                 demand=demand, extras=extras)  # fmt: skip
            booking = await book_priced(fleet, vehicle, start, end, pricing)
            row = await fleet.conn.fetchrow(
                "SELECT price_cents FROM bookings WHERE booking_id = $1", booking
            )
            made.append(Made(org, make, currency, start, end, pricing, row["price_cents"]))
            if rng.random() < 0.15:
                await fleet.run(vehicle, cmd.CancelBooking(booking, "plans changed"))
                made[-1].cancelled = True
            start = end + timedelta(hours=rng.randrange(1, 6))
    return made


def brute_force(
    made: list[Made], policy: PolicyVersion, lo: datetime, hi: datetime
) -> dict[str, Any]:
    """Every booking of the window repriced one by one, grouped by UTC day."""
    days: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    skipped = {"currency": 0, "make": 0}
    for b in made:
        if b.organization_id != policy.organization_id or b.cancelled or not lo <= b.start < hi:
            continue
        if b.currency != "EUR":
            skipped["currency"] += 1
            continue
        if b.make != "Volkswagen":
            skipped["make"] += 1
            continue
        demand = b.pricing.demand if b.pricing else None
        offered = [x for x in (b.pricing.extras if b.pricing else []) if x == "child-seat"]
        again = price_window(
            policy, b.start, b.end, extras=offered,
            booked_hours=demand.booked_hours if demand else 0,
            capacity_hours=demand.capacity_hours if demand else 0,
        )  # fmt: skip
        day = days[b.start.date().isoformat()]
        day[0] += b.price_cents
        day[1] += again.price_cents
        day[2] += 1
    figures = [{"day": d, "actual_cents": a, "hypothetical_cents": h, "bookings": n}
               for d, (a, h, n) in sorted(days.items())]  # fmt: skip
    totals = {k: sum(f[k] for f in figures) for k in ("actual_cents", "hypothetical_cents",
                                                        "bookings")}  # fmt: skip
    return {"days": figures, "totals": totals, "skipped_other_currency": skipped["currency"],
            "skipped_not_applicable": skipped["make"]}  # fmt: skip


async def test_the_what_if_equals_a_brute_force_repricing_of_the_windows_bookings(
    read: ReadSide, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(module, "PAGE", 7)  # many pages: the keyset walk loses nothing
    fleet, rng = read.fleet, random.Random(15)
    policy = await publish(fleet, DEFAULT, V2, **V1.model_dump())
    theirs = uuid.uuid4()
    made = await _bookings(fleet, rng, policy, DEFAULT)
    made += await _bookings(fleet, rng, await publish(fleet, theirs), theirs)
    lo, hi = fleet.at(days=2), fleet.at(days=9, hours=5)

    hypothetical = []
    for version, version_terms in ((1, V1), (2, V2)):
        answer = await read.ok("/v1/analytics/pricing/what-if", policy_id=str(policy),
                               version=version, **{"from": iso(lo), "to": iso(hi)})  # fmt: skip
        chosen = PolicyVersion(policy, version, DEFAULT, version_terms)
        assert answer == {
            "from": iso(lo), "to": iso(hi), "policy_id": str(policy), "version": version,
            "currency": "EUR", **brute_force(made, chosen, lo, hi),
        }  # fmt: skip
        assert answer["totals"]["bookings"] >= 15 and len(answer["days"]) >= 6
        assert answer["skipped_other_currency"] > 0 and answer["skipped_not_applicable"] > 0
        hypothetical.append(answer["totals"]["hypothetical_cents"])
    assert hypothetical[1] > hypothetical[0]  # version 2 is dearer: it was the one used
    assert sum(b.cancelled for b in made if lo <= b.start < hi) > 0  # left out, as specified


async def test_an_unknown_or_foreign_policy_or_version_is_not_found(read: ReadSide) -> None:
    mine, theirs = await publish(read.fleet), await publish(read.fleet, uuid.uuid4())
    window = {"from": iso(read.fleet.at(days=-1)), "to": iso(read.fleet.at(days=1))}
    path = "/v1/analytics/pricing/what-if"

    answers = [await read.get(path, policy_id=str(p), version=v, **window)
               for p, v in ((mine, 2), (theirs, 1), (uuid.uuid4(), 1))]  # fmt: skip

    assert [a.status_code for a in answers] == [404, 404, 404]
    foreign, nowhere = (_UUID.sub("<id>", a.text) for a in answers[1:])
    assert foreign == nowhere  # exactly the answer of an id that exists nowhere


@pytest.mark.parametrize("days", [0, -1, 367])
async def test_an_empty_or_longer_than_a_year_window_is_refused(read: ReadSide, days: int) -> None:
    policy = await publish(read.fleet)
    start = read.fleet.at(days=1)
    window = {"from": iso(start), "to": iso(start + timedelta(days=days))}
    answer = await read.get(
        "/v1/analytics/pricing/what-if", policy_id=str(policy), version=1, **window
    )
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["to"]


async def test_the_what_if_is_for_staff(read: ReadSide, issuer: Issuer) -> None:
    policy = await publish(read.fleet)
    window = {"from": iso(read.fleet.at(days=-1)), "to": iso(read.fleet.at(days=1))}
    params = {"policy_id": str(policy), "version": 1, **window}
    async with client(read, await issuer.token("customer")) as customer:
        assert (
            await customer.get("/v1/analytics/pricing/what-if", params=params)
        ).status_code == 403
