"""What a read route needs from the app: its caller's reader and the clock."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from fastapi import Request

from shared.kit.auth.principal import Principal
from shared.kit.pg import Turns


class Reader:
    """The read models as one caller may see them: `organization_id` is the organization
    every query filters by (None for the service role, which reads every one). Each
    statement runs on a connection of the readers' pool, whose session reads as that
    organization, so row-level security enforces it again (store/row_security.py)."""

    def __init__(self, readers: asyncpg.Pool, turns: Turns, organization_id: UUID | None) -> None:
        self.organization_id = organization_id
        self._readers, self._turns = readers, turns

    async def _run(self, method: str, sql: str, args: tuple[Any, ...]) -> Any:
        # A statement runs on one of the process's turns (ReadModelDatabase.turns): callers
        # wait for it in arrival order. One round trip, and a second only when this
        # connection last read for another scope; each statement is its own read-only
        # transaction.
        async with self._turns, self._readers.acquire() as conn:
            await conn.read_as(self.organization_id)
            return await getattr(conn, method)(sql, *args)

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = await self._run("fetch", sql, args)
        return rows

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        row: asyncpg.Record | None = await self._run("fetchrow", sql, args)
        return row

    async def fetchval(self, sql: str, *args: Any) -> Any:
        return await self._run("fetchval", sql, args)


def reader_of(request: Request) -> Reader:
    """The authenticated caller's reader (authentication stored the principal)."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:
        raise RuntimeError("reader_of needs an authenticated route")
    read_db = request.app.state.read_db
    return Reader(read_db.readers, read_db.turns, principal.organization_scope)


def pool_of(request: Request) -> asyncpg.Pool:
    """The owner's pool of the active generation (bookkeeping reads, never read models)."""
    pool: asyncpg.Pool = request.app.state.read_db.pool
    return pool


def now_of(request: Request) -> datetime:
    """The app clock's aware UTC now (tests fake it; never datetime.now)."""
    now: datetime = request.app.state.clock()
    return now
