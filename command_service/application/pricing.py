"""Gathers what a price is decided from, so the decision itself stays pure: the winning
policy version for the vehicle with the demand counts over the window, or the price of
a named quote (docs/quotes-and-demand.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
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
from command_service.domain.pricing import VEHICLE_RATES, PriceBasis, window_hours
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


@dataclass(frozen=True)
class Catalogue:
    """An organization's current policies, and how many countable vehicles each wins."""

    policies: list[PolicyVersion]
    wins: dict[UUID, int]


class PricingCache:
    """Each organization's catalogue as of a generation (bumped in the transaction of
    every policy append and every change of a vehicle's matching facts, read with the
    vehicle's state): while it stays the same, pricing reads neither table, and the
    capacity of a policy is not recounted over the whole fleet for every booking."""

    def __init__(self) -> None:
        self._entries: dict[UUID, tuple[int, Catalogue]] = {}

    async def of(self, db: Db, organization_id: UUID, generation: int | None) -> Catalogue:
        """The catalogue at `generation` (None: unknown, read it now and keep nothing)."""
        entry = self._entries.get(organization_id)
        if entry is not None and generation is not None and entry[0] == generation:
            return entry[1]
        # Read after the generation: at least as new as it, so keeping it under it is safe.
        catalogue = await _read_catalogue(db, organization_id)
        if generation is not None:
            self._entries[organization_id] = (generation, catalogue)
        return catalogue


async def _read_catalogue(db: Db, organization_id: UUID) -> Catalogue:
    policies = await current_policies(db, organization_id)
    wins: dict[UUID, int] = {}
    if policies:
        for r in await db.fetch(_COUNTABLE, organization_id):
            won = winning(policies, VehicleFacts(r["vehicle_id"], r["make"], r["model"],
                                                 r["location_id"]))  # fmt: skip
            if won is not None:
                wins[won.policy_id] = wins.get(won.policy_id, 0) + 1
    return Catalogue(policies, wins)


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
    catalogue: Catalogue,
) -> PriceBasis:
    """The winning policy and the demand over [start, end) as they stand now (vehicle
    rates when no policy matches; nothing to count for a window the rules refuse)."""
    policy = _policy_of(state, start, end, now, catalogue)
    if policy is None:
        return PriceBasis(extras=tuple(extras))
    return await _counted(db, policy, catalogue, start, end, extras)


def _policy_of(
    state: VehicleState, start: datetime, end: datetime, now: datetime, catalogue: Catalogue
) -> PolicyVersion | None:
    """The policy that prices the vehicle (None: its rates, or a window to refuse)."""
    try:
        check_booking_window(start, end, now)
    except InvalidCommandError:
        return None  # the decision refuses it with its reason
    return winning(catalogue.policies, facts_of(state))


async def _counted(
    db: Db,
    policy: PolicyVersion,
    catalogue: Catalogue,
    start: datetime,
    end: datetime,
    extras: Sequence[str],
    lock: bool = False,
) -> PriceBasis:
    """The policy with the demand counts over the window, read now; with `lock`, the
    booked hours are read under the policy's demand lock (capacity, from the catalogue,
    is not re-checked: it moves only with the fleet or the policies)."""
    hours = window_hours(start, end)
    vehicles = catalogue.wins.get(policy.policy_id, 0)
    if lock:
        await lock_policy(db, policy.policy_id)
    booked = await db.fetchval(BOOKED_HOURS, policy.policy_id, hours)
    return PriceBasis(policy, int(booked), vehicles * len(hours), tuple(extras))


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


@dataclass(frozen=True)
class Gathered:
    """A command with what its price is decided from. When that is a policy's live demand
    (`policy` set), the figure is counted only under the policy's demand lock, in the
    transaction that decides and appends (`counted_under_lock`): bookings of one policy
    queue for it instead of re-deciding when another got in first (the append still
    re-checks the figure). Every other command is ready as it is."""

    command: Command
    policy: PolicyVersion | None = None
    catalogue: Catalogue | None = None


async def gather_price(
    db: Db,
    state: VehicleState | None,
    command: Command,
    now: datetime,
    catalogues: PricingCache,
    generation: int | None,
) -> Gathered:
    """The hold or booking command carrying its price basis (or the policy whose demand is
    still to count); any other command as it is. A vehicle the sender cannot see (or a
    retired one) is left to the decision to refuse."""
    if not isinstance(command, PlaceHold | BookVehicle) or not _visible(state, command):
        return Gathered(command)
    assert state is not None
    if command.quote_id is not None:
        basis = await quoted_basis(db, state, command, command.quote_id, now)
        return Gathered(replace(command, pricing=basis))
    catalogue = await catalogues.of(db, state.organization_id, generation)
    policy = _policy_of(state, command.start, command.end, now, catalogue)
    if policy is None:
        if command.pricing is VEHICLE_RATES and not command.extras:  # already its basis
            return Gathered(command)
        return Gathered(replace(command, pricing=PriceBasis(extras=command.extras)))
    return Gathered(command, policy, catalogue)


async def counted_under_lock(conn: asyncpg.Connection, gathered: Gathered) -> Command:
    """The gathered command with its policy's demand counted now, under the policy's lock
    (held until the caller's transaction ends)."""
    command, policy, catalogue = gathered.command, gathered.policy, gathered.catalogue
    assert isinstance(command, PlaceHold | BookVehicle)
    assert policy is not None and catalogue is not None
    basis = await _counted(
        conn, policy, catalogue, command.start, command.end, command.extras, lock=True
    )
    return replace(command, pricing=basis)


def _visible(state: VehicleState | None, command: PlaceHold | BookVehicle) -> bool:
    return state is not None and not state.retired and sender(command).sees(state.organization_id)
