"""The what-if read: one organization's bookings of a window repriced under one policy
version by the pricing engine, against what they were actually priced at
(docs/pricing-read.md, "What-if")."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import asyncpg

from query_service.api.context import Reader
from query_service.api.sql import Filters, after_key
from shared.contract.serialization import loads
from shared.pricing.engine import price_window
from shared.pricing.matching import VehicleFacts, applies
from shared.pricing.priced import PolicyVersion

PAGE = 2_000  # bookings per statement: memory stays bounded over a year of a large fleet
ORDER = ("b.start_at", "b.booking_id")
_SELECT = (
    "SELECT b.booking_id, b.vehicle_id, b.start_at, b.end_at, b.price_cents, b.currency,"
    " b.extras, b.demand, b.location_id, v.make, v.model"
    " FROM bookings b JOIN vehicles v ON v.vehicle_id = b.vehicle_id"
)


@dataclass
class Revenue:
    actual_cents: int = 0
    hypothetical_cents: int = 0
    bookings: int = 0

    def add(self, actual: int, hypothetical: int) -> None:
        self.actual_cents += actual
        self.hypothetical_cents += hypothetical
        self.bookings += 1


@dataclass
class Report:
    """Totals, per UTC day of the bookings' start, and what was left out and why."""

    totals: Revenue = field(default_factory=Revenue)
    days: dict[date, Revenue] = field(default_factory=dict)
    skipped_other_currency: int = 0
    skipped_not_applicable: int = 0


def repriced_cents(policy: PolicyVersion, booking: asyncpg.Record) -> int:
    """The booking's price under `policy`, with the demand counts it recorded (none: 0/0)
    and those of its extras the policy offers."""
    demand = loads(booking["demand"]) if booking["demand"] is not None else {}
    offered = {extra.code for extra in policy.terms.extras}
    extras = [code for code in dict.fromkeys(loads(booking["extras"])) if code in offered]
    priced = price_window(
        policy, booking["start_at"], booking["end_at"],
        booked_hours=demand.get("booked_hours", 0),
        capacity_hours=demand.get("capacity_hours", 0), extras=extras,
    )  # fmt: skip
    cents: int = priced.price_cents
    return cents


def tally(report: Report, policy: PolicyVersion, booking: asyncpg.Record) -> None:
    """Count one booking: repriced, or skipped (another currency, a vehicle the policy
    does not apply to)."""
    if booking["currency"] != policy.terms.currency:
        report.skipped_other_currency += 1
        return
    facts = VehicleFacts(booking["vehicle_id"], booking["make"], booking["model"],
                         booking["location_id"])  # fmt: skip
    if not applies(policy.terms.applies_to, facts):
        report.skipped_not_applicable += 1
        return
    actual, hypothetical = booking["price_cents"], repriced_cents(policy, booking)
    report.totals.add(actual, hypothetical)
    day = booking["start_at"].date()  # asyncpg gives UTC datetimes
    report.days.setdefault(day, Revenue()).add(actual, hypothetical)


async def _page(
    db: Reader, policy: PolicyVersion, span: tuple[datetime, datetime], after: Any
) -> list[asyncpg.Record]:
    filters = Filters()
    filters.add("b.organization_id = {}", policy.organization_id)
    filters.add("b.start_at >= {} AND b.start_at < {}", *span)
    filters.add("b.status <> 'cancelled'")
    after_key(filters, ORDER, after)
    sql = f"{_SELECT} {filters.where()} ORDER BY {', '.join(ORDER)} LIMIT {PAGE}"
    rows: list[asyncpg.Record] = await db.fetch(sql, *filters.args)
    return rows


async def what_if(db: Reader, policy: PolicyVersion, span: tuple[datetime, datetime]) -> Report:
    """Every booking of the policy's organization starting in [from, to), not cancelled."""
    report, after = Report(), None
    while True:
        rows = await _page(db, policy, span, after)
        for booking in rows:
            tally(report, policy, booking)
        if len(rows) < PAGE:
            return report
        after = (rows[-1]["start_at"], rows[-1]["booking_id"])
        await asyncio.sleep(0)  # let other requests run between pages
