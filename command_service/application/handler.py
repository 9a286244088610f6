"""Thin command handling: load → decide → append with the expected version → the decision.

A lost optimistic race (another writer appended first) reloads and decides again, a
bounded number of times with jittered backoff; only a real rule violation raises a
`DomainError`. What a decision or a refusal means over HTTP is the API's business.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

import asyncpg
import structlog

from command_service import metrics
from command_service.application.decision import Decided
from command_service.application.errors import (
    AlreadyAnsweredError,
    ContentionError,
    EntityClosedError,
)
from command_service.application.keyed_lock import KeyedLock
from command_service.application.preconditions import decide_if_match
from command_service.application.pricing import (
    Gathered,
    PricingCache,
    counted_under_lock,
    gather_price,
)
from command_service.domain import VehicleState, decide, fold, prune
from command_service.domain.commands import Command, sender
from command_service.domain.errors import DomainError, UnknownEntityError, VehicleNotFoundError
from command_service.domain.scope import calendar_scope
from command_service.store.event_store import Db, EventStore, Loaded, StreamConflictError
from command_service.store.idempotency import IdempotencyKeyRaceError, StoredResponse
from shared.contract.events import Event
from shared.kit.clock import Clock, IdFactory

log = structlog.get_logger("command_service.handler")


@dataclass(frozen=True)
class Decision:
    """What a command decided: the events appended and the vehicle after them."""

    stream_id: UUID
    events: tuple[Event, ...]  # empty when the command changed nothing
    state: VehicleState
    position: int | None  # global position of the last event; None when nothing was appended

    @property
    def version(self) -> int:
        return self.state.version


class Receipt(Protocol):
    """An Idempotency-Key's record of a decision, written in the append statement itself
    so that the key is answered if and only if the events committed."""

    def record(self, decision: Decided[Any]) -> StoredResponse:
        """The record to keep for `decision` (rendered by the API, opaque here); called
        before the append, so `decision.position` is still None."""
        ...


@dataclass(frozen=True)
class CommandContext:
    """Who asks, on whose behalf, the version they expect and the key's receipt, if any."""

    correlation_id: str
    causation_id: str
    actor: str
    if_match: int | None = None
    receipt: Receipt | None = None

    def metadata(self) -> dict[str, str]:
        return {
            "correlation_id": self.correlation_id,
            "causation_id": self.causation_id,
            "actor": self.actor,
        }


def backoff(attempt: int) -> float:
    """Retry at once after the first lost race, then with small bounded jitter.

    Exponential backoff starves the loser: another process's queued commands on the
    same vehicle go straight in while it sleeps longer and longer.
    """
    return 0.0 if attempt == 0 else random.uniform(0, min(0.001 * attempt, 0.01))


def _decide_if_match(
    state: VehicleState | None,
    command: Command,
    now: datetime,
    new_id: IdFactory,
    if_match: int | None,
) -> list[Event]:
    """The decision, unless If-Match is stale (412); see decide_if_match."""
    return decide_if_match(
        state.version if state else None,
        if_match,
        lambda: decide(state, command, now, new_id),
        (UnknownEntityError, VehicleNotFoundError),
    )


class CommandHandler:
    """Runs commands against vehicle streams with retries and If-Match."""

    def __init__(
        self, store: EventStore, clock: Clock, new_id: IdFactory, max_attempts: int = 20
    ) -> None:
        self._store = store
        self._clock = clock
        self._new_id = new_id
        self._max_attempts = max_attempts
        self._locks = KeyedLock()
        self._catalogues = PricingCache()

    async def on_vehicle(self, vehicle_id: UUID, command: Command, ctx: CommandContext) -> Decision:
        """Run a command addressed by vehicle id."""
        return await self._run(vehicle_id, command, ctx)

    async def on_entity(
        self, entity_id: UUID, kind: str, command: Command, ctx: CommandContext
    ) -> Decision:
        """Run a command addressed by a hold/booking/trip/maintenance id."""
        owner = await self._store.owner_of(entity_id)
        if owner is None or owner[1] != kind:
            raise UnknownEntityError.of(kind, entity_id)
        try:
            return await self._run(owner[0], command, ctx)
        except VehicleNotFoundError as exc:  # another organization's vehicle
            raise UnknownEntityError.of(kind, entity_id) from exc
        except UnknownEntityError as exc:
            # The index knows the id, the state does not show it: it is long past
            # (pruned), or another customer's, which must read as an unknown id.
            if await self._sees_archived(owner[0], kind, entity_id, command):
                raise EntityClosedError(f"this {kind} lies in the past") from exc
            raise UnknownEntityError.of(kind, entity_id) from exc

    async def _sees_archived(
        self, stream_id: UUID, kind: str, entity_id: UUID, command: Command
    ) -> bool:
        """Whether the command's actor may learn that this archived record exists (the
        vehicle is of their organization: `decide` refused it otherwise)."""
        actor = sender(command)
        if actor.staff:
            return True
        owner = await self._store.customer_of(stream_id, kind, entity_id)
        return owner is not None and actor.may_act_for(owner)

    async def _run(self, stream_id: UUID, command: Command, ctx: CommandContext) -> Decision:
        """Decide and append in the vehicle's turn in this process (a refusal as stored
        comes first: `_refused_as_stored`), reloading after a lost version race."""
        name = type(command).__name__
        started = time.perf_counter()
        outcome = "error"
        try:
            if self._locks.held(stream_id):
                await self._refused_as_stored(stream_id, command, ctx)
            async with self._locks.hold(stream_id):
                started = time.perf_counter()  # the wait for the commands ahead is theirs
                async with self._store.connection() as db:
                    for attempt in range(self._max_attempts):
                        scope = calendar_scope(command, self._clock())
                        loaded = await self._store.load(stream_id, scope, db)
                        decision = await self._attempt(loaded, command, ctx, db)
                        if decision is not None:
                            outcome = "ok"
                            return decision
                        metrics.VERSION_CONFLICTS.labels(name).inc()
                        metrics.RETRIES.labels(name).inc()
                        await asyncio.sleep(backoff(attempt))
            outcome = "contention"
            raise ContentionError(f"vehicle {stream_id} kept changing; retry shortly")
        except AlreadyAnsweredError:
            outcome = "replayed"
            raise
        except DomainError as exc:
            outcome = "rejected" if outcome == "error" else outcome
            log.info(
                "command_rejected",
                command=name,
                vehicle_id=str(stream_id),
                error=type(exc).__name__,
            )
            raise
        finally:
            metrics.COMMAND_SECONDS.labels(name, outcome).observe(time.perf_counter() - started)

    async def _refused_as_stored(
        self, stream_id: UUID, command: Command, ctx: CommandContext
    ) -> None:
        """Raise the command's refusal if the vehicle as stored refuses it; return if it
        would be accepted (it then waits its turn and is decided again).

        Another command of this process is deciding on the vehicle; waiting for it and
        every command queued behind it only to be refused (a taken slot, a stale
        If-Match) made the hot vehicles' refusals the slowest answers. A refusal as of the
        stored state is what another process, with no queue, would answer at that moment
        too. Not for a price that counts demand: that is read under its locks, in turn."""
        now = self._clock()
        async with self._store.connection() as db:
            loaded = await self._store.load(stream_id, calendar_scope(command, now), db)
            state, gathered = await self._priced(loaded, command, db, now)
        if gathered.policy is None:
            _decide_if_match(state, gathered.command, now, self._new_id, ctx.if_match)

    async def _priced(
        self, loaded: Loaded, command: Command, db: Db, now: datetime
    ) -> tuple[VehicleState | None, Gathered]:
        """The vehicle pruned at `now`, and the command with its price basis gathered."""
        state = prune(loaded.state, now) if loaded.state is not None else None
        generation = loaded.pricing_generation
        gathered = await gather_price(db, state, command, now, self._catalogues, generation)
        return state, gathered

    async def _attempt(
        self, loaded: Loaded, command: Command, ctx: CommandContext, db: Db
    ) -> Decision | None:
        """Price, decide and append once; None when another writer won the version race
        (or moved the demand the price cites)."""
        now = self._clock()
        state, gathered = await self._priced(loaded, command, db, now)
        if gathered.policy is None:
            return await self._decide_and_append(loaded, state, gathered.command, ctx, db, now)
        assert not isinstance(db, asyncpg.Pool)  # the handler's own connection
        async with db.transaction():
            with_demand = await counted_under_lock(db, gathered)
            return await self._decide_and_append(loaded, state, with_demand, ctx, db, now)

    async def _decide_and_append(
        self,
        loaded: Loaded,
        state: VehicleState | None,
        command: Command,
        ctx: CommandContext,
        db: Db,
        now: datetime,
    ) -> Decision | None:
        events = _decide_if_match(state, command, now, self._new_id, ctx.if_match)
        if not events:
            assert state is not None
            return Decision(loaded.stream_id, (), state, None)
        after = fold(events, state)
        assert after is not None
        decision = Decision(loaded.stream_id, tuple(events), after, None)
        record = ctx.receipt.record(decision) if ctx.receipt is not None else None
        try:
            position = await self._store.append(
                loaded.stream_id, state, events, after, ctx.metadata(), record, db
            )
        except StreamConflictError:
            return None
        except IdempotencyKeyRaceError as exc:
            raise AlreadyAnsweredError(str(exc)) from exc
        log.info(
            "command_applied",
            command=type(command).__name__,
            vehicle_id=str(loaded.stream_id),
            version=after.version,
            position=position,
        )
        return Decision(loaded.stream_id, tuple(events), after, position)
