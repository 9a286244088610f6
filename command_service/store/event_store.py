"""PostgreSQL adapter of the event store: load decision state, append with expected version.

Driver exceptions stop here: a unique violation becomes a domain conflict or a
`StreamConflictError` (the optimistic check lost), which the handler retries.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeAlias, cast
from uuid import UUID

import asyncpg

from command_service.domain import STATE_SCHEMA, VehicleState, fold
from command_service.domain.errors import IdAlreadyUsedError, PlateTakenError, VinTakenError
from command_service.domain.scope import CalendarScope
from command_service.domain.state import with_calendar, without_calendar
from command_service.store.append_values import append_values
from command_service.store.cache import LruCache
from command_service.store.calendar_rows import (
    SELECT_BLOCKS,
    BlockDecoder,
    scope_args,
)
from command_service.store.demand import (
    DemandChangedError,
    DemandChanges,
    demand_changes,
    lock_and_check,
)
from command_service.store.group_append import GroupAppend, append_alone
from command_service.store.idempotency import IdempotencyKeyRaceError, StoredResponse
from command_service.store.state_codec import decode_state
from shared.contract.events import Event, StreamEvent
from shared.contract.serialization import (
    event_from_stored,
    vehicle_event,
)
from shared.kit.pg import Turns


class StreamConflictError(Exception):
    """Another writer appended to the stream first (or moved the demand figure the
    decision cited); reload and decide again."""


@dataclass(frozen=True)
class Loaded:
    """A vehicle's decision state: its attributes, trips and the calendar slice asked for."""

    stream_id: UUID
    state: VehicleState | None
    pricing_generation: int | None = None  # of its organization's pricing catalogue


NO_BLOCKS = CalendarScope()


Db: TypeAlias = asyncpg.Pool | asyncpg.Connection
_CONSTRAINT_ERRORS: dict[str, type[Exception]] = {
    "events_stream_version_key": StreamConflictError,
    "vehicle_state_pkey": StreamConflictError,
    "idempotency_keys_pkey": IdempotencyKeyRaceError,
}


# The state bytes travel only when this process's cached copy is not current; the
# calendar slice always travels (it is small, and another process may have changed it).
# $8: the vehicle's organization when the cached state knows it (it never changes), so
# that the catalogue generation costs one index lookup, not a join of two.
_LOAD = (
    "SELECT version, state_schema, CASE WHEN version = $2 THEN NULL ELSE state END AS state,"
    f" {SELECT_BLOCKS} AS blocks, (SELECT g.generation FROM pricing_generations g"
    "  WHERE g.organization_id = coalesce($8::uuid,"
    "   (SELECT v.organization_id FROM pricing_vehicles v WHERE v.vehicle_id = $1)))"
    " AS pricing_generation FROM vehicle_state WHERE stream_id = $1"
)
_OWNER = "SELECT stream_id, kind FROM entity_index WHERE entity_id = $1"
_REGISTERED = (
    "SELECT stream_id FROM events WHERE stream_id = ANY($1::uuid[]) AND version = 1"
    " AND event_type = 'VehicleRegistered' AND organization_id = $2"
)


# The event that created a hold, booking or trip, and the data field holding its id.
_CREATED_BY = {
    "hold": ("HoldPlaced", "hold_id"),
    "booking": ("BookingConfirmed", "booking_id"),
    "trip": ("TripStarted", "trip_id"),
}
_CUSTOMER_OF = (
    "SELECT (data->>'customer_id')::uuid FROM events"
    " WHERE stream_id = $1 AND event_type = $2 AND data->>$3 = $4::uuid::text LIMIT 1"
)


class EventStore:
    """Reads and appends vehicle streams in the `fleet_command` database.

    Keeps the last attributes-and-trips state it wrote or read per vehicle (bounded
    LRU): a load then only checks the version, and decodes only the calendar records it
    has not seen lately.

    At most `concurrency` commands hold a connection at once (default: the pool's size),
    the others in arrival order (`Turns`, docs/command-side.md).
    """

    def __init__(
        self, pool: asyncpg.Pool, concurrency: int | None = None, cache_size: int = 2000
    ) -> None:
        self._pool = pool
        self._turns = Turns(concurrency, pool.get_max_size())
        self._states: LruCache[UUID, VehicleState] = LruCache(cache_size)
        self._owners: LruCache[UUID, tuple[UUID, str]] = LruCache(cache_size * 10)
        self._decode_blocks = BlockDecoder()
        self._group = GroupAppend()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.Connection]:
        """One pooled connection for a command's load and append (one release, one reset),
        on one of the store's turns."""
        async with self._turns, self._pool.acquire() as conn:
            yield conn

    async def load(
        self, stream_id: UUID, scope: CalendarScope = NO_BLOCKS, db: Db | None = None
    ) -> Loaded:
        """The vehicle's state carrying the calendar slice `scope` names (None: no stream)."""
        cached = self._states.get(stream_id)
        version = cached.version if cached else -1
        organization = cached.organization_id if cached else None
        row = await (db or self._pool).fetchrow(
            _LOAD, stream_id, version, *scope_args(scope), organization
        )
        if row is None:
            return Loaded(stream_id, None)
        if row["state"] is None and cached is not None and row["state_schema"] == STATE_SCHEMA:
            base: VehicleState | None = cached
        else:
            base = await self._base_from_row(stream_id, row)
        if base is None:
            return Loaded(stream_id, None)
        state = with_calendar(base, self._decode_blocks(row["blocks"]))
        return Loaded(stream_id, state, row["pricing_generation"])

    async def owner_of(self, entity_id: UUID) -> tuple[UUID, str] | None:
        """The vehicle that owns a hold/booking/trip/maintenance id and its kind, or None."""
        owner = self._owners.get(entity_id)
        if owner is None:
            row = await self._pool.fetchrow(_OWNER, entity_id)
            if row is None:
                return None
            owner = (row["stream_id"], row["kind"])
            self._owners.put(entity_id, owner)
        return owner

    async def customer_of(self, stream_id: UUID, kind: str, entity_id: UUID) -> UUID | None:
        """The customer of a hold, booking or trip, read from the event that created it
        (for records the decision state no longer holds); None for other kinds."""
        if kind not in _CREATED_BY:
            return None
        event_type, field = _CREATED_BY[kind]
        found = await self._pool.fetchval(_CUSTOMER_OF, stream_id, event_type, field, entity_id)
        return cast(UUID | None, found)

    async def _base_from_row(self, stream_id: UUID, row: Any) -> VehicleState | None:
        if row["state_schema"] == STATE_SCHEMA:
            state: VehicleState | None = decode_state(row["state"])
        else:  # the layout changed since this row was written: rebuild from the events
            folded = fold(await self.read_events(stream_id))
            state = None if folded is None else without_calendar(folded)
        if state is not None:
            self._states.put(stream_id, state)
        return state

    async def read_events(self, stream_id: UUID, after_version: int = 0) -> list[Event]:
        rows = await self._pool.fetch(
            "SELECT version, event_id, event_type, schema_version, data, occurred_at"
            " FROM events WHERE stream_id = $1 AND version > $2 ORDER BY version",
            stream_id,
            after_version,
        )
        return [event_from_row(stream_id, row) for row in rows]

    async def append(
        self,
        stream_id: UUID,
        before: VehicleState | None,
        events: list[Event],
        after: VehicleState,
        metadata: dict[str, Any],
        response: StoredResponse | None = None,
        db: Db | None = None,
    ) -> int:
        """Append `events` expecting `before`'s version; returns the last global position.

        Events, registry rows and state all belong to the vehicle's organization."""
        demand, base = demand_changes(before, events), without_calendar(after)
        values = append_values(stream_id, before, events, after, metadata, response, demand, base)
        try:
            position = await self._append(values, demand, db or self._pool)
        except DemandChangedError as exc:
            raise StreamConflictError(str(exc)) from exc
        except asyncpg.UniqueViolationError as exc:
            raise _translate(exc) from exc
        except asyncpg.ExclusionViolationError as exc:
            # Another writer's block got in first (the version check normally says so
            # sooner): decide again on what is there now.
            raise StreamConflictError(str(exc)) from exc
        self._states.put(stream_id, base)
        return int(position)

    async def _append(self, values: dict[str, Any], demand: DemandChanges, db: Db) -> int:
        """The append: grouped with other commands' when it may be (`group_append`), alone
        inside the policies' locks when it touches demand, or alone on a pool."""
        if not demand.policies():
            if isinstance(db, asyncpg.Pool) or db.is_in_transaction():
                return await append_alone(db, values)
            return await self._group.append(values, db)
        if isinstance(db, asyncpg.Pool):
            async with db.acquire() as conn:
                return await self._append(values, demand, conn)
        async with db.transaction():
            await lock_and_check(db, demand)
            return await append_alone(db, values)


async def vehicles_of(db: Db, organization_id: UUID, vehicle_ids: list[UUID]) -> set[UUID]:
    """Those of `vehicle_ids` that are vehicles of the organization (retired included)."""
    rows = await db.fetch(_REGISTERED, vehicle_ids, organization_id)
    return {row["stream_id"] for row in rows}


def _translate(exc: asyncpg.UniqueViolationError) -> Exception:
    name = exc.constraint_name or ""
    if name == "vehicle_vins_pkey":
        return VinTakenError("a vehicle with this VIN is already registered")
    if name == "vehicle_plates_pkey":
        return PlateTakenError("a vehicle with this plate is already registered")
    if name == "entity_index_pkey":
        return IdAlreadyUsedError("this id is already used")
    error_type = _CONSTRAINT_ERRORS.get(name)
    if error_type is None:
        return cast(Exception, exc)  # not ours to translate: surface it unchanged
    return error_type(str(exc))


def event_from_row(stream_id: UUID, row: Any) -> Event:
    """Rebuild a vehicle event from a stored row (envelope columns + data)."""
    return vehicle_event(stored_event_of(stream_id, row))


def stored_event_of(stream_id: UUID, row: Any) -> StreamEvent:
    """Rebuild the event of any kind of stream from a stored row."""
    return event_from_stored(
        row["event_type"],
        row["data"],
        stream_id,
        event_id=row["event_id"],
        version=row["version"],
        occurred_at=row["occurred_at"],
        schema_version=row["schema_version"],
    )
