"""Rebuild the read models from the start of the log, blue-green.

`python -m query_service.rebuild` (or `make rebuild`) replays the command service's
catch-up feed into a fresh schema while the active one keeps serving, then swaps the
pointer once caught up; running services rebind within moments and heal whatever the
live consumer applied to the old generation during the swap (gap detection + feed
healer). Older generations beyond `--keep` are dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import asyncpg
import structlog

from query_service.batch import Batch, apply_page
from query_service.feed_client import CommandFeed
from query_service.store import schemas
from shared.auth.client import CREDENTIALS_FILE, Credentials, credentials_from
from shared.events import Event
from shared.logs import configure_logging

log = structlog.get_logger("query_service.rebuild")
PAGE = 2000
REPLAY_CONNECTIONS = 4


@dataclass(frozen=True)
class RebuildReport:
    schema: str
    replaced: str | None
    events: int
    seconds: float

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


class CorruptLogError(RuntimeError):
    """The feed delivered a vehicle's versions out of order or with a hole."""


async def replay_into(
    conns: list[asyncpg.Connection], feed: CommandFeed, page_size: int = PAGE
) -> int:
    """Apply the whole feed to an empty generation.

    Each page is split by vehicle over several connections (read models never relate
    rows of two vehicles, and each vehicle's events stay in order on one connection);
    a shard's events go in one transaction through the batch path (query_service/batch:
    a few statements per table, not several per event) while the next page is fetched.
    """
    cursor, total = 0, 0
    versions: dict[UUID, tuple[int, int, Event]] = {}
    batches = [await Batch.create(conn) for conn in conns]
    upcoming = asyncio.create_task(feed.page(cursor, page_size))
    while True:
        page, next_cursor = await upcoming
        if not page:
            return total
        upcoming = asyncio.create_task(feed.page(next_cursor, page_size))
        shards: list[list[Event]] = [[] for _ in conns]
        for event, position in page:
            known = versions.get(event.vehicle_id, (0, 0, event))[0]
            if event.version != known + 1:
                upcoming.cancel()
                raise CorruptLogError(f"{event.vehicle_id}: v{event.version} after v{known}")
            versions[event.vehicle_id] = (event.version, position, event)
            shards[event.vehicle_id.int % len(conns)].append(event)
        await asyncio.gather(
            *(_apply(c, b, shard) for c, b, shard in zip(conns, batches, shards, strict=True))
        )
        await _record_progress(conns[0], page, versions, next_cursor)
        cursor, total = next_cursor, total + len(page)


async def _apply(conn: asyncpg.Connection, batch: Batch, events: list[Event]) -> None:
    if events:
        async with conn.transaction():
            await apply_page(conn, batch, events)


async def _record_progress(
    conn: asyncpg.Connection,
    page: list[tuple[Event, int]],
    versions: dict[UUID, tuple[int, int, Event]],
    cursor: int,
) -> None:
    """Tracking rows exactly as the live projector writes them, and the feed cursor."""
    touched = {event.vehicle_id for event, _ in page}  # after every shard of the page
    rows = [
        (vid, versions[vid][0], versions[vid][1], versions[vid][2].occurred_at) for vid in touched
    ]
    await conn.executemany(
        "INSERT INTO vehicle_tracking (vehicle_id, version, global_position, last_event_at)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT (vehicle_id) DO UPDATE SET version ="
        " EXCLUDED.version, global_position = EXCLUDED.global_position,"
        " last_event_at = EXCLUDED.last_event_at",
        rows,
    )
    await conn.execute("UPDATE feed_cursor SET after_position = $1", cursor)


async def rebuild(
    database_url: str,
    command_url: str,
    credentials: Credentials | None,
    keep: int = 1,
    activate: bool = True,
) -> RebuildReport:
    """Build a new generation from the feed and (by default) make it the active one."""
    admin = await asyncpg.connect(database_url)
    feed = CommandFeed(command_url, credentials)
    started = time.perf_counter()
    try:
        await schemas.ensure_pointer(admin)
        name = schemas.new_schema_name()
        await schemas.create_schema(admin, name)
        targets = [await schemas.connect(database_url, name) for _ in range(REPLAY_CONNECTIONS)]
        try:
            for target in targets:
                await target.execute("SET synchronous_commit TO off")
            events = await replay_into(targets, feed)
        finally:
            for target in targets:
                await target.close()
        await _vacuum(admin, name)
        replaced = await schemas.activate(admin, name) if activate else None
        await _drop_old_generations(admin, keep)
        return RebuildReport(name, replaced, events, time.perf_counter() - started)
    finally:
        await feed.close()
        await admin.close()


async def _vacuum(admin: asyncpg.Connection, schema: str) -> None:
    """Statistics for the planner and a visibility map for index-only scans (the
    availability query's covering GiST index) before the generation goes live."""
    tables = await admin.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY 1", schema
    )
    for row in tables:
        await admin.execute(f'VACUUM (ANALYZE) {schema}."{row["tablename"]}"')


async def _drop_old_generations(admin: asyncpg.Connection, keep: int) -> None:
    """Keep the active generation and the `keep` newest others (for a quick rollback)."""
    active = await admin.fetchval("SELECT schema_name FROM public.read_model_active")
    names = [
        r["nspname"]
        for r in await admin.fetch(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rm\\_%' ORDER BY nspname DESC"
        )
    ]
    for name in [n for n in names if n != active][keep:]:
        await admin.execute(f"DROP SCHEMA {name} CASCADE")
        log.info("generation_dropped", schema=name)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m query_service.rebuild")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "FLEET_QUERY_DATABASE_URL", "postgresql://postgres@127.0.0.1:54329/fleet_query"
        ),
    )
    parser.add_argument(
        "--command-url", default=os.environ.get("FLEET_COMMAND_URL", "http://127.0.0.1:8000")
    )
    parser.add_argument("--keep", type=int, default=1, help="previous generations to keep")
    args = parser.parse_args()
    configure_logging(os.environ.get("FLEET_LOG_LEVEL", "INFO"))
    state_dir = Path(os.environ.get("FLEET_STATE_DIR", ".fleetledger"))
    credentials = credentials_from("FLEET_SERVICE_ACCOUNT", state_dir / CREDENTIALS_FILE, "service")
    report = asyncio.run(rebuild(args.database_url, args.command_url, credentials, args.keep))
    log.info(
        "rebuild_done",
        schema=report.schema,
        replaced=report.replaced,
        events=report.events,
        seconds=round(report.seconds, 2),
        events_per_second=round(report.events_per_second),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
