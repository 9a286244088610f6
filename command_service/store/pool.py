"""asyncpg pool for the command database: jsonb decoded with orjson, bounded statements.

Pooled connections carry no session state: no `SET`, no session advisory lock, no
`LISTEN` (leadership and the relay's wake-up use dedicated connections). So a release
does not send asyncpg's default reset query (advisory unlock all, CLOSE ALL, UNLISTEN,
RESET ALL), a round trip on every command; asyncpg still rolls back an open transaction.
"""

from __future__ import annotations

import asyncpg

from shared.kit.pg import init_connection


async def _nothing_to_reset(conn: asyncpg.Connection) -> None:
    """The pool's reset hook: pooled sessions keep no state to undo (see the module)."""


async def create_pool(dsn: str, min_size: int, max_size: int) -> asyncpg.Pool:
    """A pool whose sessions cannot sit idle in a transaction or run away (DESIGN §3a)."""
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=init_connection,
        reset=_nothing_to_reset,
        server_settings={
            "statement_timeout": "10s",
            "idle_in_transaction_session_timeout": "30s",
            "application_name": "fleet-command",
        },
    )
    assert pool is not None
    return pool
