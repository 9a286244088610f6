"""asyncpg connection setup shared by both services."""

from __future__ import annotations

import asyncio
from types import TracebackType

import asyncpg

from shared.contract.serialization import loads


async def init_connection(conn: asyncpg.Connection) -> None:
    """jsonb comes back decoded by orjson (text format both ways)."""
    await conn.set_type_codec(
        "jsonb", encoder=str, decoder=loads, schema="pg_catalog", format="text"
    )


class Turns:
    """At most `size` holders at once (`wanted`, never more than the pool's `pool_size`;
    None: the pool's size), the others served in arrival order.

    A bound in front of a pool, not a smaller pool: with a pool of 4 the tail of scenario
    (a) went from 63 to 111 ms. The likely cause (read in the code, not measured apart):
    asyncpg's pool waits on an asyncio queue, where a newcomer can take the connection a
    waiter was woken for. On the 2-core machine, with PostgreSQL beside the services, 4
    turns beat 16 for the read side and, until its appends went grouped, for the command
    side (docs/benchmarks.md): more statements in flight only took CPU from the service's
    event loop.
    """

    def __init__(self, wanted: int | None, pool_size: int) -> None:
        self.size = min(wanted or pool_size, pool_size)
        self._semaphore = asyncio.Semaphore(self.size)

    async def __aenter__(self) -> None:
        await self._semaphore.acquire()

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._semaphore.release()
