"""A rebuild that fails says why at once and leaves no half-built generation behind (or,
when its database died too, the next rebuild drops it); the active one never stopped
serving (query_service.rebuild)."""

from __future__ import annotations

import asyncpg
import httpx
import pytest

from deploy.postgres import free_port
from query_service.rebuild import drop_old_generations, mark_building, rebuild
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


async def test_a_generation_left_unfinished_never_outlives_the_next_rebuild(
    query_dsn: str,
) -> None:
    """A rebuild killed with its database leaves its generation behind; the next
    rebuild's prune drops it, whatever `--keep`, and keeps the older finished one."""
    admin = await asyncpg.connect(query_dsn)
    try:
        active = await schemas.ensure_pointer(admin)
        previous = schemas.new_schema_name()
        await schemas.create_schema(admin, previous)
        dead = await asyncpg.connect(query_dsn)
        left = schemas.new_schema_name()
        await mark_building(dead, left)
        await schemas.create_schema(dead, left, indexes=False)
        await dead.close()  # the rebuild's session ends with it

        await drop_old_generations(admin, keep=1)

        assert await generations(admin) == sorted([active, previous])
    finally:
        await admin.close()


async def test_a_generation_still_being_built_survives_another_rebuilds_prune(
    query_dsn: str,
) -> None:
    admin = await asyncpg.connect(query_dsn)
    building = await asyncpg.connect(query_dsn)
    try:
        active = await schemas.ensure_pointer(admin)
        name = schemas.new_schema_name()
        await mark_building(building, name)
        await schemas.create_schema(building, name, indexes=False)

        await drop_old_generations(admin, keep=0)

        assert await generations(admin) == sorted([active, name])
    finally:
        await building.close()
        await admin.close()
