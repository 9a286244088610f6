"""A rebuild carries the fleet tables' sums over its pages (SumTable.carry_over): pages add
into them directly, so a page that folded events and then rolled back leaves its
additions there. Such sums are never written, and the page is not retried; a page that
rolled back before folding anything is retried as ever.

The failures are real: a table locked by another session, with a lock timeout, or a
deadlock PostgreSQL detects (the rollback the applier otherwise retries)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import NamedTuple

import asyncpg
import pytest

from query_service.applier import PageApplier
from query_service.store.schemas import connect
from tests.query.conftest import Fleet
from tests.query.test_fresh_replay import Page, booking_pages
from tests.query.test_live_equals_rebuild import generations, snapshot

FLEET_TABLES = ("analytics_fleet_hours", "analytics_fleet_bookings")


@contextlib.asynccontextmanager
async def _applier(dsn: str, schema: str) -> AsyncIterator[PageApplier]:
    conn = await connect(dsn, schema)
    await conn.execute("SET lock_timeout = '200ms'")  # a locked table fails the page
    try:
        yield await PageApplier.create(conn, notify=False, carry_sums=True)
    finally:
        await conn.close()


async def _apply_all(applier: PageApplier, pages: Sequence[Page]) -> None:
    for page in pages:
        assert len((await applier.apply(page)).applied) == len(page)


async def _locked(admin: asyncpg.Connection, schema: str, table: str) -> None:
    """Open a transaction on `admin` that holds `table` against writers (roll it back)."""
    await admin.execute("BEGIN")
    await admin.execute(f"LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE")


class Blocked(NamedTuple):
    admin: asyncpg.Connection  # in a transaction holding the spans table: roll it back
    schema: str
    applier: PageApplier  # carrying; it applied the registrations and the first bookings
    first: Page
    second: Page  # bookings again: its spans are written after folding, and will wait


@contextlib.asynccontextmanager
async def _blocked_after_folding(dsn: str, fleet: Fleet, name: str) -> AsyncIterator[Blocked]:
    registrations, first, second = booking_pages(fleet)
    async with generations(dsn, name) as (admin, (schema,)), _applier(dsn, schema) as applier:
        await _apply_all(applier, [registrations, first])
        await _locked(admin, schema, "analytics_vehicle_spans")
        try:
            yield Blocked(admin, schema, applier, first, second)
        finally:  # a test that failed early: the generation is dropped outside the lock
            if admin.is_in_transaction():
                await admin.execute("ROLLBACK")


async def test_a_page_that_fails_after_folding_spoils_the_carried_sums(
    query_dsn: str, fleet: Fleet
) -> None:
    async with _blocked_after_folding(query_dsn, fleet, "spoiled") as blocked:
        admin, schema, applier, first, second = blocked
        with pytest.raises(asyncpg.LockNotAvailableError):
            await applier.apply(second)
        await admin.execute("ROLLBACK")

        with pytest.raises(RuntimeError, match="rolled back"):
            await applier.write_carried()
        with pytest.raises(RuntimeError, match="rolled back"):
            await _apply_all(applier, [second])  # it would carry the page twice
        for table in FLEET_TABLES:
            assert await admin.fetchval(f"SELECT count(*) FROM {schema}.{table}") == 0
        assert await admin.fetchval(f"SELECT count(*) FROM {schema}.bookings") == len(first)


async def test_a_page_that_deadlocks_after_folding_is_not_retried(
    query_dsn: str, fleet: Fleet
) -> None:
    async with _blocked_after_folding(query_dsn, fleet, "deadlocked") as blocked:
        admin, schema, applier, first, second = blocked
        await applier.conn.execute("SET lock_timeout = 0; SET deadlock_timeout = '50ms'")
        await admin.execute("SET deadlock_timeout = '10s'")  # the applier's wait breaks it
        applying = asyncio.create_task(applier.apply(second))
        await _waiting(admin, applier.conn)  # claimed its streams, folded, then blocked
        stream = second[0][0].stream_id  # its tracking row is the applier's now
        await admin.execute(
            f"UPDATE {schema}.stream_tracking SET version = version WHERE stream_id = $1",
            stream,
        )  # returns once PostgreSQL broke the cycle by failing the applier's transaction
        await admin.execute("ROLLBACK")
        with pytest.raises(asyncpg.DeadlockDetectedError):
            await applying  # retried, it would carry the page's sums twice
        with pytest.raises(RuntimeError, match="rolled back"):
            await applier.write_carried()
        assert await admin.fetchval(f"SELECT count(*) FROM {schema}.bookings") == len(first)


async def _waiting(admin: asyncpg.Connection, conn: asyncpg.Connection) -> None:
    """Until `conn`'s backend waits for a lock (bounded: 5 s)."""
    pid = conn.get_server_pid()
    for _ in range(500):
        if await admin.fetchval(
            "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1", pid
        ):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the page never waited for the locked table")


async def test_a_page_that_fails_before_folding_is_applied_again_as_ever(
    query_dsn: str, fleet: Fleet
) -> None:
    pages = booking_pages(fleet)
    async with generations(query_dsn, "retried", "straight") as (admin, (retried, straight)):
        async with _applier(query_dsn, retried) as applier:
            await _apply_all(applier, pages[:2])
            await _locked(admin, retried, "stream_tracking")  # claimed before folding
            with pytest.raises(asyncpg.LockNotAvailableError):
                await applier.apply(pages[2])
            await admin.execute("ROLLBACK")
            await _apply_all(applier, pages[2:])
            await applier.write_carried()
        async with _applier(query_dsn, straight) as applier:
            await _apply_all(applier, pages)
            await applier.write_carried()

        rows = await snapshot(admin, retried)
        assert rows == await snapshot(admin, straight)
    assert all(rows[table] for table in FLEET_TABLES)
