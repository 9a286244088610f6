"""A rebuild fills its generation without secondary indexes, then finishes it: every index
of a generation created whole, statistics on every table, the DDL's fingerprint; the
statements spread over several connections (query_service.store.schemas.finish)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
import pytest_asyncio

from query_service.store import schemas
from tests.conftest import plain_connection

LOCK = 7_001  # an advisory lock key of this test's own


@pytest_asyncio.fixture
async def admin(query_dsn: str) -> AsyncIterator[asyncpg.Connection]:
    async for conn in plain_connection(query_dsn):
        yield conn


async def indexes(admin: asyncpg.Connection, schema: str) -> set[tuple[str, str]]:
    rows = await admin.fetch(
        "SELECT indexname, replace(indexdef, $1 || '.', '') FROM pg_indexes WHERE schemaname = $1",
        schema,
    )
    return {(r[0], r[1]) for r in rows}


async def label(admin: asyncpg.Connection, schema: str) -> str | None:
    return dict(await schemas.generations(admin))[schema]


@pytest.mark.parametrize("connections", [1, 3])
async def test_a_finished_generation_has_every_index_and_the_label_of_one_created_whole(
    admin: asyncpg.Connection, query_dsn: str, connections: int
) -> None:
    whole, filled = schemas.new_schema_name(), schemas.new_schema_name() + "_f"
    await schemas.create_schema(admin, whole)
    await schemas.create_schema(admin, filled, indexes=False)
    assert await label(admin, filled) == schemas.UNFINISHED
    assert len(await indexes(admin, filled)) < len(await indexes(admin, whole))

    await schemas.finish(admin, query_dsn, filled, connections)

    assert await indexes(admin, filled) == await indexes(admin, whole)
    assert await label(admin, filled) == await label(admin, whole)
    never_analyzed = await admin.fetch(
        "SELECT relname FROM pg_class WHERE relnamespace = $1::regnamespace"
        " AND relkind = 'r' AND reltuples < 0",
        filled,
    )
    assert never_analyzed == []


async def test_a_long_statement_does_not_hold_up_the_others(
    admin: asyncpg.Connection, query_dsn: str
) -> None:
    """The first statement waits for a lock this test holds; the ones after it still run,
    on the other connection, and the wait ends only once they have."""
    schema = schemas.new_schema_name()
    await schemas.create_schema(admin, schema)
    await admin.execute(f"CREATE TABLE {schema}.ran (n int)")
    await admin.execute("SELECT pg_advisory_lock($1)", LOCK)
    statements = [
        f"SELECT pg_advisory_lock_shared({LOCK})",
        "INSERT INTO ran VALUES (1)",
        "INSERT INTO ran VALUES (2)",
    ]
    running = asyncio.create_task(schemas.side_by_side(query_dsn, schema, 2, statements))
    async with asyncio.timeout(10):
        while True:  # the later statements ran while the first still waits
            if await admin.fetchval(f"SELECT count(*) FROM {schema}.ran") == 2:
                break
            await asyncio.sleep(0.05)
    assert not running.done()
    await admin.execute("SELECT pg_advisory_unlock($1)", LOCK)
    await asyncio.wait_for(running, 10)


async def test_a_failed_statement_is_raised_as_itself(
    admin: asyncpg.Connection, query_dsn: str
) -> None:
    schema = schemas.new_schema_name()
    await schemas.create_schema(admin, schema)
    with pytest.raises(asyncpg.UndefinedTableError):
        await schemas.side_by_side(
            query_dsn, schema, 2, ["SELECT pg_sleep(0.2)", "SELECT * FROM nowhere"]
        )
