"""Pricing side tables written with a vehicle's append (DESIGN §5a): booked vehicle-hours
per policy and hour, and the facts that match a vehicle to a policy.

A price decided now (not copied from a hold or a quote) cites the booked hours it read;
the append re-reads them under the policy's lock and refuses if they moved, so every
recorded figure equals a recount of the bookings appended before it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from command_service.domain import VehicleState
from command_service.domain.pricing import window_hours
from command_service.domain.state import find
from shared.contract import events as ev
from shared.pricing.priced import Priced

_LOCK_CLASS = 0x4465_6D64  # advisory lock class of demand; the key is the policy id's hash
_LOCK = "SELECT pg_advisory_xact_lock($1::int, hashtext($2::uuid::text))"
BOOKED_HOURS = (
    "SELECT coalesce(sum(booked_hours), 0)::int FROM policy_demand"
    " WHERE policy_id = $1 AND hour = ANY($2::timestamptz[])"
)
_FACT_EVENTS = (
    ev.VehicleRegistered,
    ev.VehicleDetailsUpdated,
    ev.VehicleStatusChanged,
    ev.VehicleRetired,
)


class DemandChangedError(Exception):
    """A booking of the same policy got in between: the demand figure is stale."""


@dataclass(frozen=True)
class DemandCheck:
    """The booked hours a fresh price read for its window's hours."""

    policy_id: UUID
    hours: list[datetime]
    booked_hours: int


@dataclass
class DemandChanges:
    """Booked-hour deltas per (policy, hour) and the figures to re-check, for one append."""

    deltas: Counter[tuple[UUID, datetime]] = field(default_factory=Counter)
    checks: list[DemandCheck] = field(default_factory=list)

    def policies(self) -> list[UUID]:
        """The policies to lock, in one order for every writer (no deadlock)."""
        if not self.deltas and not self.checks:  # most appends: asked on every one
            return []
        ids = {policy for policy, _ in self.deltas} | {c.policy_id for c in self.checks}
        return sorted(ids)

    def params(self) -> dict[str, list[Any]]:
        """The demand parts' parameters of the append statement: hours gained, hours lost."""
        params: dict[str, list[Any]] = {}
        for side, sign in (("gain", 1), ("loss", -1)):
            keys = [key for key, delta in self.deltas.items() if delta * sign > 0]
            params[f"{side}_policies"] = [policy for policy, _ in keys]
            params[f"{side}_hours"] = [hour for _, hour in keys]
            params[f"{side}_hours_booked"] = [self.deltas[key] for key in keys]
        return params

    def book(self, pricing: Priced | None, start: datetime, end: datetime, sign: int) -> None:
        if pricing is not None and pricing.policy_id is not None:
            for hour in window_hours(start, end):
                self.deltas[(pricing.policy_id, hour)] += sign


def _fresh(pricing: Priced | None) -> bool:
    """Whether this price was decided now from live demand (not a quote's or a hold's)."""
    return pricing is not None and pricing.policy_id is not None and pricing.quote_id is None


def _check(event: ev.HoldPlaced | ev.BookingConfirmed) -> DemandCheck:
    pricing = event.pricing
    assert pricing is not None and pricing.policy_id is not None
    booked = pricing.demand.booked_hours if pricing.demand is not None else 0
    return DemandCheck(pricing.policy_id, window_hours(event.start, event.end), booked)


def demand_changes(before: VehicleState | None, events: list[ev.Event]) -> DemandChanges:
    """What `events` do to the booked hours, and which figures they cite. Holds do not
    count as booked; a confirmed hold counts from its BookingConfirmed."""
    changes = DemandChanges()
    for event in events:
        match event:
            case ev.HoldPlaced() if _fresh(event.pricing):
                changes.checks.append(_check(event))
            case ev.BookingConfirmed():
                if event.hold_id is None and _fresh(event.pricing):
                    changes.checks.append(_check(event))
                changes.book(event.pricing, event.start, event.end, +1)
            case ev.BookingCancelled() if before is not None:
                index = find(before.bookings, lambda b: b.booking_id, event.booking_id)
                if index is not None:
                    booking = before.bookings[index]
                    changes.book(booking.pricing, booking.start, booking.end, -1)
    return changes


def facts_params(events: list[ev.Event], after: VehicleState) -> dict[str, Any]:
    """The vehicle's matching facts to upsert when `events` may change them, else none."""
    if not any(isinstance(e, _FACT_EVENTS) for e in events):
        return {}
    countable = not after.retired and after.status != "inactive"
    return {
        "make": after.make,
        "model": after.model,
        "location": after.location_id,
        "countable": countable,
    }


async def lock_policy(conn: asyncpg.Connection, policy_id: UUID) -> None:
    """Hold the policy's demand lock until the transaction ends (re-entrant)."""
    await conn.execute(_LOCK, _LOCK_CLASS, policy_id)


async def lock_and_check(conn: asyncpg.Connection, changes: DemandChanges) -> None:
    """Take the policies' locks (until commit) and raise if a cited figure moved."""
    for policy_id in changes.policies():
        await lock_policy(conn, policy_id)
    for check in changes.checks:
        current = await conn.fetchval(BOOKED_HOURS, check.policy_id, check.hours)
        if current != check.booked_hours:
            raise DemandChangedError(
                f"policy {check.policy_id}: {current} booked hours, not {check.booked_hours}"
            )
