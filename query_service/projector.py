"""Apply one event to the read models as an idempotent, tracked transaction (DESIGN §5).

Per vehicle, `vehicle_tracking.version` is the last applied stream version. An event at
or below it is a duplicate (at-least-once delivery) and is skipped; one above
version + 1 is out of order — a gap — and is never applied: the caller holds it and
heals the gap from the command service's feed. The tracking row and the read-model
change commit together; a concurrent applier of the same version loses on the tracking
row and sees a duplicate.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import asyncpg

from query_service.projections import Change, apply_event
from shared.events import Event, event_type
from shared.serialization import dumps

CHANGES_CHANNEL = "fleet_changes"


class Outcome(enum.Enum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    GAP = "gap"


@dataclass(frozen=True)
class Applied:
    """What happened to an event, and the vehicle's tracked version afterwards."""

    outcome: Outcome
    tracked_version: int
    changes: tuple[Change, ...] = ()


class _LostRace(Exception):
    """Another applier recorded this version first."""


async def tracked_version(conn: asyncpg.Connection, vehicle_id: object) -> int:
    version = await conn.fetchval(
        "SELECT version FROM vehicle_tracking WHERE vehicle_id = $1", vehicle_id
    )
    return int(version or 0)


async def project(conn: asyncpg.Connection, event: Event, global_position: int) -> Applied:
    """Apply `event` exactly once, in version order, in one transaction."""
    current = await tracked_version(conn, event.vehicle_id)
    if event.version <= current:
        return Applied(Outcome.DUPLICATE, current)
    if event.version != current + 1:
        return Applied(Outcome.GAP, current)
    try:
        async with conn.transaction():
            changes = await apply_event(conn, event)
            await _advance(conn, event, global_position)
            await conn.execute(
                "SELECT pg_notify($1, $2)",
                CHANGES_CHANNEL,
                _notice(event, global_position, changes),
            )
    except (_LostRace, asyncpg.UniqueViolationError):
        return Applied(Outcome.DUPLICATE, await tracked_version(conn, event.vehicle_id))
    return Applied(Outcome.APPLIED, event.version, tuple(changes))


async def _advance(conn: asyncpg.Connection, event: Event, global_position: int) -> None:
    if event.version == 1:
        await conn.execute(
            "INSERT INTO vehicle_tracking (vehicle_id, version, global_position, last_event_at)"
            " VALUES ($1, 1, $2, $3)",
            event.vehicle_id,
            global_position,
            event.occurred_at,
        )
        return
    status = await conn.execute(
        "UPDATE vehicle_tracking SET version = $2, global_position = $3, last_event_at = $4"
        " WHERE vehicle_id = $1 AND version = $2 - 1",
        event.vehicle_id,
        event.version,
        global_position,
        event.occurred_at,
    )
    if status != "UPDATE 1":
        raise _LostRace


def _notice(event: Event, global_position: int, changes: list[Change]) -> str:
    """The NOTIFY payload behind GET /v1/stream (well under the 8000-byte limit)."""
    return dumps(
        {
            "vehicle_id": event.vehicle_id,
            "version": event.version,
            "event_type": event_type(event),
            "global_position": global_position,
            "occurred_at": event.occurred_at,
            "changes": [{"kind": c.kind, "id": c.id} for c in changes[:20]],
        }
    ).decode()
