"""Pricing on the read side's tests: policy streams' events and bookings whose events
record how their price was derived (as the command side writes them)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from uuid import UUID

from command_service.domain import commands as cmd
from command_service.domain import decide, fold
from command_service.domain.pricing_policies import (
    PolicyCommand,
    PublishPolicy,
    RevisePolicy,
    decide_policy,
    fold_policy,
)
from shared.contract.events import BookingConfirmed, HoldPlaced
from shared.contract.organizations import DEFAULT_ORGANIZATION_ID as DEFAULT
from shared.pricing.priced import BreakdownLine, DemandFigure, Priced
from shared.pricing.terms import PricingTerms
from tests.query.conftest import Fleet

STANDARD: dict[str, Any] = {
    "name": "Standard", "currency": "EUR", "priority": 10,
    "rates": {"hourly_cents": 1_200, "daily_cents": 7_000, "weekly_cents": 30_000},
    "extras": [{"code": "child-seat", "name": "Child seat", "price_cents": 500, "per": "day"}],
    "deposit_cents": 20_000,
}  # fmt: skip


def terms(**overrides: Any) -> PricingTerms:
    return PricingTerms.model_validate({**STANDARD, **overrides})


async def publish(
    fleet: Fleet, organization: UUID = DEFAULT, *revisions: PricingTerms, **overrides: Any
) -> UUID:
    """A policy published now with `overrides` of STANDARD, then revised to each of
    `revisions` in turn (a minute apart), decided by the command domain."""
    policy_id, state = uuid.uuid4(), None
    commands: list[PolicyCommand] = [PublishPolicy(policy_id, organization, terms(**overrides))]
    commands += [RevisePolicy(organization, revised) for revised in revisions]
    for n, command in enumerate(commands):
        if n:
            fleet.clock.advance(minutes=1)
        events = decide_policy(state, command, fleet.clock.now, uuid.uuid4, policy_id)
        state = fold_policy(events, state)
        await fleet.apply(*events)  # type: ignore[arg-type]
    return policy_id


def priced(
    policy_id: UUID,
    lines: dict[str, int],
    *,
    demand: tuple[int, int] = (0, 0),
    extras: tuple[str, ...] = (),
    version: int = 1,
) -> Priced:
    """A price as a policy version decided it: its breakdown lines, demand counts, extras."""
    booked, capacity = demand
    utilization = booked / capacity if capacity else 0.0
    return Priced(
        price_cents=sum(lines.values()), currency="EUR", deposit_cents=20_000,
        breakdown=[BreakdownLine(label=k, amount_cents=v) for k, v in lines.items()],
        extras=list(extras), policy_id=policy_id, policy_version=version,
        demand=DemandFigure(booked_hours=booked, capacity_hours=capacity,
                            utilization=utilization, multiplier=1),
    )  # fmt: skip


async def _decided_with(
    fleet: Fleet, vehicle_id: UUID, command: cmd.Command, pricing: Priced | None
) -> None:
    """Decide `command`; the event that creates the hold or booking records `pricing`
    (None: as written before pricing policies)."""
    state = fleet.states[vehicle_id]
    price = {} if pricing is None else {"price_cents": pricing.price_cents}
    events = [
        e.model_copy(update={"pricing": pricing, **price})
        if isinstance(e, BookingConfirmed | HoldPlaced) else e
        for e in decide(state, command, fleet.clock.now, uuid.uuid4)
    ]  # fmt: skip
    fleet.states[vehicle_id] = fold(events, state)  # type: ignore[assignment]
    await fleet.apply(*events)


async def book_priced(
    fleet: Fleet, vehicle_id: UUID, start: datetime, end: datetime, pricing: Priced | None
) -> UUID:
    """A booking decided by the command domain whose event records `pricing`."""
    booking_id = uuid.uuid4()
    await _decided_with(fleet, vehicle_id, cmd.BookVehicle(booking_id, uuid.uuid4(), start, end),
                        pricing)  # fmt: skip
    return booking_id


async def hold_priced(
    fleet: Fleet, vehicle_id: UUID, start: datetime, end: datetime, pricing: Priced | None
) -> UUID:
    """A hold decided by the command domain whose event records `pricing`."""
    hold_id = uuid.uuid4()
    command = cmd.PlaceHold(hold_id, uuid.uuid4(), start, end, 900)
    await _decided_with(fleet, vehicle_id, command, pricing)
    return hold_id
