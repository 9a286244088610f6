"""Commands on streams whose state is folded from their events: locations and pricing
policies, handled like a vehicle's: load → decide → append with the
expected version, retried when another writer won, If-Match and Idempotency-Key alike.

A kind of stream is data (`StreamKind`): its name, its fold, its decision, its
not-found error and, if it keeps one, its head table. Adding a kind adds one of those,
not another handler.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar
from uuid import UUID

import structlog

from command_service import metrics
from command_service.application.errors import AlreadyAnsweredError, ContentionError
from command_service.application.handler import CommandContext, backoff
from command_service.application.keyed_lock import KeyedLock
from command_service.application.preconditions import decide_if_match
from command_service.domain.errors import DomainError
from command_service.store.event_store import StreamConflictError
from command_service.store.idempotency import IdempotencyKeyRaceError
from command_service.store.streams import HeadTable, StreamStore
from shared.contract.events import StreamEvent
from shared.kit.clock import Clock, IdFactory

log = structlog.get_logger("command_service.streams")


class Versioned(Protocol):
    @property
    def version(self) -> int: ...


S = TypeVar("S", bound=Versioned)
C = TypeVar("C")
E = TypeVar("E", bound=StreamEvent)


@dataclass(frozen=True)
class StreamKind(Generic[S, C, E]):
    """One kind of stream: how its state folds and how it decides a command.

    `decide(state, command, now, new_id, stream_id)` returns the new events (state None:
    no such stream in the caller's reach yet); `not_found(stream_id)` is the error of an
    unknown id, which a stale If-Match must not outrank; `head`, a table of each stream's
    latest state written with every append."""

    name: str
    fold: Callable[[Sequence[StreamEvent]], S | None]
    decide: Callable[[S | None, C, datetime, IdFactory, UUID], list[E]]
    not_found: type[DomainError]
    head: HeadTable | None = None


@dataclass(frozen=True)
class StreamDecision(Generic[S]):
    """What a command decided on a stream: the events appended and the state after them."""

    stream_id: UUID
    events: tuple[StreamEvent, ...]
    state: S
    position: int | None

    @property
    def version(self) -> int:
        return self.state.version


class StreamHandler:
    """Runs commands on streams of any `StreamKind`."""

    def __init__(
        self, store: StreamStore, clock: Clock, new_id: IdFactory, max_attempts: int = 20
    ) -> None:
        self.store, self._clock, self._new_id = store, clock, new_id
        self._max_attempts = max_attempts
        self._locks = KeyedLock()

    async def run(
        self, kind: StreamKind[S, C, E], stream_id: UUID, command: C, ctx: CommandContext
    ) -> StreamDecision[S]:
        """Decide `command` on the stream and append what it decided."""
        name = type(command).__name__
        async with self._locks.hold(stream_id):
            for attempt in range(self._max_attempts):
                decision = await self._attempt(kind, stream_id, command, ctx)
                if decision is not None:
                    return decision
                metrics.VERSION_CONFLICTS.labels(name).inc()
                await asyncio.sleep(backoff(attempt))
        raise ContentionError(f"{kind.name} {stream_id} kept changing; retry shortly")

    async def _attempt(
        self, kind: StreamKind[S, C, E], stream_id: UUID, command: C, ctx: CommandContext
    ) -> StreamDecision[S] | None:
        """Decide and append once; None when another writer won the version race."""
        stored = await self.store.load(kind.name, stream_id)
        state = kind.fold(stored.events) if stored else None
        now = self._clock()
        decided = decide_if_match(
            state.version if state else None,
            ctx.if_match,
            lambda: kind.decide(state, command, now, self._new_id, stream_id),
            (kind.not_found,),
        )
        events: list[StreamEvent] = list(decided)
        if not events:
            assert state is not None  # only an update of an existing stream changes nothing
            return StreamDecision(stream_id, (), state, None)
        after = kind.fold([*(stored.events if stored else []), *events])
        assert after is not None
        decision = StreamDecision(stream_id, tuple(events), after, None)
        record = ctx.receipt.record(decision) if ctx.receipt is not None else None
        try:
            position = await self.store.append(
                kind.name, stream_id, events, ctx.metadata(), record, kind.head
            )
        except StreamConflictError:
            return None
        except IdempotencyKeyRaceError as exc:
            raise AlreadyAnsweredError(str(exc)) from exc
        log.info("command_applied", command=type(command).__name__, stream=kind.name,
                 stream_id=str(stream_id), version=after.version, position=position)  # fmt: skip
        return StreamDecision(stream_id, tuple(events), after, position)
