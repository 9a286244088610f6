"""A rebuild that fails says why at once and leaves no half-built generation behind; the
active one never stopped serving (query_service.rebuild)."""

from __future__ import annotations

import asyncpg
import httpx
import pytest

from deploy.postgres import free_port
from query_service.rebuild import rebuild
from query_service.store import schemas
from shared.kit.processes import RemoteTraceback


async def generations(admin: asyncpg.Connection) -> list[str]:
    rows = await admin.fetch("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rm\\_%'")
    return sorted(r["nspname"] for r in rows)


@pytest.mark.parametrize("processes", [1, 2])
async def test_a_rebuild_that_cannot_read_the_feed_drops_its_new_generation(
    query_dsn: str, processes: int
) -> None:
    admin = await asyncpg.connect(query_dsn)
    try:
        active = await schemas.ensure_pointer(admin)
        before = await generations(admin)
        with pytest.raises(httpx.ConnectError) as raised:
            await rebuild(query_dsn, f"http://127.0.0.1:{free_port()}", None, processes=processes)
        assert (processes > 1) == isinstance(raised.value.__cause__, RemoteTraceback)
        assert await generations(admin) == before
        assert await admin.fetchval("SELECT schema_name FROM read_model_active") == active
    finally:
        await admin.close()
