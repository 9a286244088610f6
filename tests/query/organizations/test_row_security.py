"""Row-level security, the second wall: a reader sees only its organization's rows, and
none without one, however its connection was used before."""

from __future__ import annotations

import asyncio
import contextlib

import asyncpg
import pytest

from query_service.read_models import TABLES
from query_service.store.row_security import READER_ROLE
from tests.query.conftest import ReadSide
from tests.query.organizations.conftest import Org, count_as_reader


async def test_a_read_transaction_sees_only_its_organizations_rows_and_none_without_one(
    orgs: tuple[Org, Org, ReadSide],
) -> None:
    a, _, read = orgs
    conn = read.fleet.conn  # the owner: row-level security does not apply to it
    for table in sorted({spec.table for spec in TABLES}):
        mine = await conn.fetchval(
            f"SELECT count(*) FROM {table} WHERE organization_id = $1", a.organization_id
        )
        everything = await conn.fetchval(f"SELECT count(*) FROM {table}")
        assert mine > 0 and everything > mine, table  # both organizations have rows here

        assert await count_as_reader(conn, table) == 0, table
        assert await count_as_reader(conn, table, ("fleet.organization", "")) == 0, table
        assert await count_as_reader(conn, table, ("fleet.organization", a.organization_id)) \
            == mine, table  # fmt: skip
        assert await count_as_reader(conn, table, ("fleet.every_organization", "on")) \
            == everything, table  # fmt: skip


@pytest.mark.parametrize("orgs", ["both walls"], indirect=True)
async def test_a_readers_connection_reads_in_the_scope_of_its_latest_caller(
    orgs: tuple[Org, Org, ReadSide],
) -> None:
    a, b, read = orgs
    count = "SELECT count(*) FROM vehicles"
    owner = read.fleet.conn  # row-level security does not apply to it
    mine, theirs = [
        await owner.fetchval(f"{count} WHERE organization_id = $1", org.organization_id)
        for org in (a, b)
    ]
    everything = await owner.fetchval(count)

    readers = read.app.state.read_db.readers
    await readers.expire_connections()  # the next acquire opens a new session
    async with readers.acquire() as conn:
        assert await conn.fetchval(count) == 0  # no scope yet: no row
        seen = []
        for scope in (a.organization_id, b.organization_id, None, a.organization_id):
            await conn.read_as(scope)
            seen.append(await conn.fetchval(count))
        with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
            await conn.execute("DELETE FROM vehicles")

    assert seen == [mine, theirs, everything, mine]
    assert mine > 0 and theirs > 0


@pytest.mark.parametrize("orgs", ["both walls"], indirect=True)
async def test_a_scope_change_cut_short_is_set_again_by_the_next_read(
    orgs: tuple[Org, Org, ReadSide],
) -> None:
    a, b, read = orgs
    async with read.app.state.read_db.readers.acquire() as conn:
        await conn.read_as(a.organization_id)
        change = asyncio.ensure_future(conn.read_as(b.organization_id))
        await asyncio.sleep(0)  # sent, not yet confirmed
        change.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await change
        await conn.read_as(a.organization_id)  # whatever the server applied, A again
        organizations = await conn.fetch("SELECT DISTINCT organization_id FROM vehicles")

    assert [r["organization_id"] for r in organizations] == [a.organization_id]


async def test_the_reader_role_neither_owns_nor_bypasses_the_read_models(
    read: ReadSide,
) -> None:
    role = await read.fleet.conn.fetchrow(
        "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1", READER_ROLE
    )
    guarded = await read.fleet.conn.fetch(
        "SELECT relname, relrowsecurity, pg_get_userbyid(relowner) AS owner FROM pg_class"
        " WHERE relnamespace = current_schema()::regnamespace AND relname = ANY($1)",
        [spec.table for spec in TABLES],
    )

    assert role is not None and (role["rolsuper"], role["rolbypassrls"]) == (False, False)
    assert len(guarded) == len({spec.table for spec in TABLES})
    assert all(r["relrowsecurity"] and r["owner"] != READER_ROLE for r in guarded)
