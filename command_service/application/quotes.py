"""Quotes: the price a hold or booking of a window would get now, kept for 15 minutes so
that a hold or booking naming it takes exactly that price."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID

from command_service.application.pricing import price_basis
from command_service.domain import prune
from command_service.domain.actor import Actor
from command_service.domain.booking_decisions import quote
from command_service.domain.context import Context
from command_service.domain.errors import VehicleNotFoundError, VehicleRetiredError
from command_service.domain.scope import CalendarScope
from command_service.store.event_store import EventStore
from command_service.store.quotes import Quote, save_quote
from shared.contract.events import as_utc
from shared.kit.clock import Clock, IdFactory

QUOTE_LIFETIME = timedelta(minutes=15)


class Quotes:
    """Decides and keeps quotes on the vehicles of the caller's organization."""

    def __init__(self, store: EventStore, clock: Clock, new_id: IdFactory) -> None:
        self._store = store
        self._clock = clock
        self._new_id = new_id

    async def quote(
        self,
        vehicle_id: UUID,
        start: datetime,
        end: datetime,
        extras: Sequence[str],
        by: Actor,
        created_by: str,
    ) -> Quote:
        """A new quote, or the refusal a booking of the window would get now."""
        now = self._clock()
        async with self._store.connection() as db:
            loaded = await self._store.load(vehicle_id, CalendarScope(window=(start, end)), db)
            if loaded.state is None or not by.sees(loaded.state.organization_id):
                raise VehicleNotFoundError("no such vehicle")
            if loaded.state.retired:
                raise VehicleRetiredError(f"vehicle {vehicle_id} was retired")
            state = prune(loaded.state, now)
            basis = await price_basis(db, state, start, end, extras, now)
            quote_id = self._new_id()
            priced = quote(Context(state, now, self._new_id), start, end, basis)
            made = Quote(
                quote_id=quote_id,
                organization_id=state.organization_id,
                vehicle_id=vehicle_id,
                start=as_utc(start),
                end=as_utc(end),
                extras=tuple(extras),
                priced=priced.model_copy(update={"quote_id": quote_id}),
                expires_at=as_utc(now + QUOTE_LIFETIME),
            )
            await save_quote(db, made, created_by)
        return made
