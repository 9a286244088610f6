"""asyncpg connection setup shared by both services."""

from __future__ import annotations

import asyncpg

from shared.contract.serialization import loads


async def init_connection(conn: asyncpg.Connection) -> None:
    """jsonb comes back decoded by orjson (text format both ways)."""
    await conn.set_type_codec(
        "jsonb", encoder=str, decoder=loads, schema="pg_catalog", format="text"
    )
