"""A command on a vehicle another command of the process is deciding: a refusal as stored
answers at once; a command the stored vehicle accepts waits its turn."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import asyncpg
import pytest

from command_service.application.handler import CommandContext, CommandHandler
from command_service.domain import commands as cmd
from command_service.domain.errors import OverlappingBlockError
from command_service.store.event_store import EventStore
from command_service.store.pool import create_pool
from tests.streams import register_vehicle

CTX = CommandContext(correlation_id="corr", causation_id="req", actor="test")


@pytest.fixture
async def pool(command_dsn):
    pool = await create_pool(command_dsn, 1, 4)
    yield pool
    await pool.close()


def booking(start, hours: float = 1) -> cmd.BookVehicle:
    return cmd.BookVehicle(uuid.uuid4(), uuid.uuid4(), start, start + timedelta(hours=hours))


async def _append_waiting(db: asyncpg.Connection) -> None:
    """Until some backend waits for a row lock (the command ahead is in its append)."""
    for _ in range(1000):
        if await db.fetchval(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("no append waited for the locked row")


async def test_a_refusal_does_not_wait_for_the_command_ahead_on_its_vehicle(
    pool, command_dsn, clock
):
    store = EventStore(pool)
    handler = CommandHandler(store, clock, uuid.uuid4)
    vehicle_id, _ = await register_vehicle(store, clock)
    taken = clock.now + timedelta(days=1)
    await handler.on_vehicle(vehicle_id, booking(taken), CTX)
    blocker = await asyncpg.connect(command_dsn)
    blocked = blocker.transaction()
    await blocked.start()
    # The vehicle's state row locked: the next command's append waits, and so does its
    # vehicle's queue in this process.
    await blocker.execute("SELECT 1 FROM vehicle_state WHERE stream_id = $1 FOR UPDATE", vehicle_id)
    ahead = asyncio.create_task(
        handler.on_vehicle(vehicle_id, booking(taken + timedelta(days=1)), CTX)
    )
    try:
        await _append_waiting(blocker)

        with pytest.raises(OverlappingBlockError):  # answered while the command ahead waits
            await asyncio.wait_for(handler.on_vehicle(vehicle_id, booking(taken), CTX), 10)
        behind = asyncio.create_task(
            handler.on_vehicle(vehicle_id, booking(taken + timedelta(days=2)), CTX)
        )
        await asyncio.sleep(0.2)
        assert not ahead.done() and not behind.done()
    finally:
        await blocked.rollback()
        await blocker.close()
    first, second = await asyncio.wait_for(asyncio.gather(ahead, behind), timeout=10)
    assert (first.version, second.version) == (3, 4)
