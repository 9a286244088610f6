"""asyncpg pool for the command database: jsonb decoded with orjson, bounded statements."""

from __future__ import annotations

import asyncpg

from shared.kit.pg import init_connection


async def create_pool(dsn: str, min_size: int, max_size: int) -> asyncpg.Pool:
    """A pool whose sessions cannot sit idle in a transaction or run away (DESIGN §3a)."""
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=init_connection,
        server_settings={
            "statement_timeout": "10s",
            "idle_in_transaction_session_timeout": "30s",
            "application_name": "fleet-command",
        },
    )
    assert pool is not None
    return pool
