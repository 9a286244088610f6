"""Thin command handling: load → decide → append with the expected version → respond.

A lost optimistic race (another writer appended first) reloads and decides again, a
bounded number of times with jittered backoff; only a real rule violation answers 4xx.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import structlog

from command_service import metrics
from command_service.application.errors import (
    ContentionError,
    EntityClosedError,
    IdempotencyKeyReuseError,
    PreconditionFailedError,
)
from command_service.application.keyed_lock import KeyedLock
from command_service.domain import VehicleState, decide, fold, prune
from command_service.domain.commands import Command
from command_service.domain.errors import DomainError, UnknownEntityError
from command_service.store.event_store import (
    Db,
    EventStore,
    IdempotencyKeyRaceError,
    Loaded,
    StoredResponse,
    StreamConflictError,
)
from shared.clock import Clock, IdFactory
from shared.events import Event

log = structlog.get_logger("command_service.handler")

# Given the events appended and the state after them, the response body.
Respond = Callable[[list[Event], VehicleState], dict[str, Any]]


@dataclass(frozen=True)
class CommandContext:
    """Who asks, on whose behalf, and the HTTP preconditions of the request."""

    correlation_id: str
    causation_id: str
    actor: str
    if_match: int | None = None
    idempotency_key: str | None = None
    fingerprint: bytes = b""

    def metadata(self) -> dict[str, str]:
        return {
            "correlation_id": self.correlation_id,
            "causation_id": self.causation_id,
            "actor": self.actor,
        }


@dataclass(frozen=True)
class Outcome:
    """The HTTP-level result of a command: status, body and the vehicle's new version."""

    status: int
    body: dict[str, Any]
    version: int | None
    replayed: bool = False


def fingerprint(method: str, path: str, body: bytes) -> bytes:
    """Identity of a request for Idempotency-Key comparison."""
    return hashlib.sha256(b"%s %s\n%s" % (method.encode(), path.encode(), body)).digest()


def _backoff(attempt: int) -> float:
    """Retry at once after the first lost race, then with small bounded jitter.

    Exponential backoff starves the loser: another process's queued commands on the
    same vehicle go straight in while it sleeps longer and longer.
    """
    return 0.0 if attempt == 0 else random.uniform(0, min(0.001 * attempt, 0.01))


class CommandHandler:
    """Runs commands against vehicle streams with retries, idempotency and If-Match."""

    def __init__(
        self, store: EventStore, clock: Clock, new_id: IdFactory, max_attempts: int = 20
    ) -> None:
        self._store = store
        self._clock = clock
        self._new_id = new_id
        self._max_attempts = max_attempts
        self._locks = KeyedLock()

    async def on_vehicle(
        self,
        vehicle_id: UUID,
        command: Command,
        ctx: CommandContext,
        respond: Respond,
        status: int = 200,
    ) -> Outcome:
        """Run a command addressed by vehicle id."""
        replay = await self._replay(ctx)
        if replay is not None:
            return replay
        async with self._locks.hold(vehicle_id) as waited:
            replay = await self._replay(ctx) if waited else None
            return replay or await self._run(vehicle_id, None, command, ctx, respond, status)

    async def on_entity(
        self,
        entity_id: UUID,
        kind: str,
        command: Command,
        ctx: CommandContext,
        respond: Respond,
        status: int = 200,
    ) -> Outcome:
        """Run a command addressed by a hold/booking/trip/maintenance id."""
        replay = await self._replay(ctx)
        if replay is not None:
            return replay
        found = await self._store.load_by_entity(entity_id)
        if found is None or found.kind != kind:
            raise UnknownEntityError(f"no {kind} with id {entity_id}")
        async with self._locks.hold(found.stream_id) as waited:
            replay = await self._replay(ctx) if waited else None
            if replay is not None:
                return replay
            try:
                return await self._run(
                    found.stream_id, None if waited else found, command, ctx, respond, status
                )
            except UnknownEntityError as exc:
                # The index knows the id, the pruned state does not: it is long past.
                raise EntityClosedError(f"this {kind} lies in the past") from exc

    async def _run(
        self,
        stream_id: UUID,
        loaded: Loaded | None,
        command: Command,
        ctx: CommandContext,
        respond: Respond,
        status: int,
    ) -> Outcome:
        name = type(command).__name__
        started = time.perf_counter()
        outcome = "error"
        try:
            async with self._store.connection() as db:
                for attempt in range(self._max_attempts):
                    if loaded is None:
                        loaded = await self._store.load(stream_id, db)
                    result = await self._attempt(loaded, command, ctx, respond, status, db)
                    if result is not None:
                        outcome = "replayed" if result.replayed else "ok"
                        return result
                    metrics.VERSION_CONFLICTS.labels(name).inc()
                    metrics.RETRIES.labels(name).inc()
                    loaded = None
                    await asyncio.sleep(_backoff(attempt))
            outcome = "contention"
            raise ContentionError(f"vehicle {stream_id} kept changing; retry shortly")
        except DomainError as exc:
            # A same-key request may have committed meanwhile (in another process too):
            # the refusal is then just the echo of our own first write.
            replay = await self._replay(ctx)
            if replay is not None:
                outcome = "replayed"
                return replay
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

    async def _attempt(
        self,
        loaded: Loaded,
        command: Command,
        ctx: CommandContext,
        respond: Respond,
        status: int,
        db: Db,
    ) -> Outcome | None:
        """Decide and append once; None when another writer won the version race."""
        now = self._clock()
        state = prune(loaded.state, now) if loaded.state is not None else None
        if ctx.if_match is not None and (state is None or state.version != ctx.if_match):
            raise PreconditionFailedError(
                f"If-Match {ctx.if_match} is stale; current version is "
                f"{state.version if state else 'none'}"
            )
        events = decide(state, command, now, self._new_id)
        if not events:
            assert state is not None
            return Outcome(200, respond([], state), state.version)
        after = fold(events, state)
        assert after is not None
        body = respond(events, after)
        stored = None
        if ctx.idempotency_key is not None:
            stored = StoredResponse(ctx.idempotency_key, ctx.fingerprint, status, body)
        try:
            position = await self._store.append(
                loaded.stream_id, state, events, after, ctx.metadata(), stored, db
            )
        except StreamConflictError:
            return None
        except IdempotencyKeyRaceError:
            replay = await self._replay(ctx)
            assert replay is not None
            return replay
        log.info(
            "command_applied",
            command=type(command).__name__,
            vehicle_id=str(loaded.stream_id),
            version=after.version,
            position=position,
        )
        return Outcome(status, body, after.version)

    async def _replay(self, ctx: CommandContext) -> Outcome | None:
        """The stored first response for this Idempotency-Key, if there is one."""
        if ctx.idempotency_key is None:
            return None
        stored = await self._store.find_response(ctx.idempotency_key)
        if stored is None:
            return None
        if stored.fingerprint != ctx.fingerprint:
            raise IdempotencyKeyReuseError("this Idempotency-Key was used with a different request")
        version = stored.body.get("version")
        return Outcome(stored.status, stored.body, version, replayed=True)
