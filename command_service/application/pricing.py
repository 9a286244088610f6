"""Gathers what a price is decided from, so the decision itself stays pure: the winning
policy version for the vehicle with the demand counts over the window, or the price of
a named quote (docs/quotes-and-demand.md)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime
from uuid import UUID

import asyncpg

from command_service.domain import VehicleState
from command_service.domain.commands import BookVehicle, Command, PlaceHold, sender
from command_service.domain.errors import (
    InvalidCommandError,
    QuoteExpiredError,
    QuoteMismatchError,
    UnknownEntityError,
)
from command_service.domain.pricing import PriceBasis, window_hours
from command_service.domain.rules import check_booking_window
from command_service.store.demand import BOOKED_HOURS, lock_policy
from command_service.store.event_store import Db
from command_service.store.pricing_catalogue import current_policies
from command_service.store.quotes import Quote, load_quote
from shared.contract.events import as_utc
from shared.pricing.matching import VehicleFacts, winning
from shared.pricing.priced import PolicyVersion

_COUNTABLE = (
    "SELECT vehicle_id, make, model, location_id FROM pricing_vehicles"
    " WHERE organization_id = $1 AND countable"
)


def facts_of(state: VehicleState) -> VehicleFacts:
    """What matching a policy looks at on this vehicle."""
    return VehicleFacts(state.vehicle_id, state.make, state.model, state.location_id)


async def price_basis(
    db: Db,
    state: VehicleState,
    start: datetime,
    end: datetime,
    extras: Sequence[str],
    now: datetime,
) -> PriceBasis:
    """The winning policy and the demand over [start, end) as they stand now (vehicle
    rates when no policy matches; nothing to count for a window the rules refuse)."""
    policy, policies = await _policy_of(db, state, start, end, now)
    if policy is None:
        return PriceBasis(extras=tuple(extras))
    return await _counted(db, policy, policies, start, end, extras)


async def _policy_of(
    db: Db, state: VehicleState, start: datetime, end: datetime, now: datetime
) -> tuple[PolicyVersion | None, list[PolicyVersion]]:
    """The policy that prices the vehicle (None: its rates, or a window to refuse)."""
    try:
        check_booking_window(start, end, now)
    except InvalidCommandError:
        return None, []  # the decision refuses it with its reason
    policies = await current_policies(db, state.organization_id)
    return winning(policies, facts_of(state)), policies


async def _counted(
    db: Db,
    policy: PolicyVersion,
    policies: list[PolicyVersion],
    start: datetime,
    end: datetime,
    extras: Sequence[str],
    lock: bool = False,
) -> PriceBasis:
    """The policy with the demand counts over the window, read now; with `lock`, the
    booked hours are read under the policy's demand lock (capacity is not re-checked, so
    it is counted before the lock, keeping the time other bookings wait short)."""
    hours = window_hours(start, end)
    vehicles = await _vehicles_of(db, policy, policies)
    if lock:
        await lock_policy(db, policy.policy_id)
    booked = await db.fetchval(BOOKED_HOURS, policy.policy_id, hours)
    return PriceBasis(policy, int(booked), vehicles * len(hours), tuple(extras))


async def _vehicles_of(db: Db, policy: PolicyVersion, policies: list[PolicyVersion]) -> int:
    """How many countable vehicles of the organization this policy wins."""
    rows = await db.fetch(_COUNTABLE, policy.organization_id)
    facts = (VehicleFacts(r["vehicle_id"], r["make"], r["model"], r["location_id"]) for r in rows)
    return sum(1 for f in facts if _policy_id(winning(policies, f)) == policy.policy_id)


def _policy_id(policy: PolicyVersion | None) -> UUID | None:
    return None if policy is None else policy.policy_id


def quote_fits(quote: Quote, state: VehicleState, command: PlaceHold | BookVehicle) -> None:
    """Raise QuoteMismatchError unless the quote is for this vehicle, window and extras."""
    if quote.vehicle_id != state.vehicle_id:
        raise QuoteMismatchError("the quote is for another vehicle")
    if (as_utc(quote.start), as_utc(quote.end)) != (as_utc(command.start), as_utc(command.end)):
        raise QuoteMismatchError("the quote is for another window")
    if command.extras and sorted(command.extras) != sorted(quote.extras):
        raise QuoteMismatchError("the quote is for other extras")


async def quoted_basis(
    db: Db, state: VehicleState, command: PlaceHold | BookVehicle, quote_id: UUID, now: datetime
) -> PriceBasis:
    """The price a named quote fixes: 404 unknown or another organization's, 422 for
    another vehicle, window or extras, 409 once expired."""
    quote = await load_quote(db, quote_id)
    if quote is None or quote.organization_id != state.organization_id:
        raise UnknownEntityError.of("quote", quote_id)
    quote_fits(quote, state, command)
    if now >= quote.expires_at:
        raise QuoteExpiredError("the quote has expired; ask for a new one")
    return PriceBasis(extras=quote.extras, quoted=quote.priced)


@asynccontextmanager
async def priced(
    db: Db, state: VehicleState | None, command: Command, now: datetime
) -> AsyncIterator[Command]:
    """The hold or booking command carrying its price basis; any other command as it is.

    A price decided from live demand is decided and appended inside one transaction
    holding the policy's demand lock: bookings of one policy queue for it instead of
    re-deciding when another got in first (the append still re-checks the figure).
    A vehicle the sender cannot see (or a retired one) is left to the decision to refuse."""
    if not isinstance(command, PlaceHold | BookVehicle) or not _visible(state, command):
        yield command
        return
    assert state is not None
    if command.quote_id is not None:
        yield replace(
            command, pricing=await quoted_basis(db, state, command, command.quote_id, now)
        )
        return
    policy, policies = await _policy_of(db, state, command.start, command.end, now)
    if policy is None:
        yield replace(command, pricing=PriceBasis(extras=command.extras))
        return
    assert not isinstance(db, asyncpg.Pool)  # the handler's connection
    async with db.transaction():
        basis = await _counted(
            db, policy, policies, command.start, command.end, command.extras, lock=True
        )
        yield replace(command, pricing=basis)


def _visible(state: VehicleState | None, command: PlaceHold | BookVehicle) -> bool:
    return state is not None and not state.retired and sender(command).sees(state.organization_id)
