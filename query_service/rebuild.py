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
import sys
import time
from dataclasses import dataclass

import asyncpg
import structlog

from query_service.applier import PageApplier
from query_service.feed_client import CommandFeed
from query_service.settings import RebuildSettings
from query_service.store import schemas
from shared.contract.events import StreamEvent
from shared.kit import collector
from shared.kit.auth.client import CREDENTIALS_FILE, Credentials, credentials_from
from shared.kit.logs import configure_logging
from shared.kit.settings import load

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
    """The feed delivered a stream's versions out of order or with a hole."""


async def replay_into(
    conns: list[asyncpg.Connection], feed: CommandFeed, page_size: int = PAGE
) -> int:
    """Apply the whole feed to an empty generation; returns the events applied.

    Each page is split by stream over several connections (read models never relate
    rows of two streams, and each stream's events stay in order on one connection).
    Every connection has its own queue of shards and applies them in order through the
    page applier, one transaction each, while the next pages are fetched and split: no
    shard waits for the slowest one of its page. Nothing is notified: the generation
    serves no one until it is activated.
    """
    with collector.rarely():  # a third of the replay's time at the default
        read = await _replay(conns, feed, page_size)
    await conns[0].execute("UPDATE feed_cursor SET after_position = $1", read.cursor)
    return read.events


async def _replay(conns: list[asyncpg.Connection], feed: CommandFeed, page_size: int) -> _FeedRead:
    appliers = [await PageApplier.create(conn, notify=False) for conn in conns]
    queues: list[asyncio.Queue[list[tuple[StreamEvent, int]] | None]] = [
        asyncio.Queue(maxsize=_QUEUED_SHARDS) for _ in conns
    ]
    read = _FeedRead()
    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(_read_feed(feed, page_size, queues, read))
            for applier, queue in zip(appliers, queues, strict=True):
                group.create_task(_apply_shards(applier, queue))
    except BaseExceptionGroup as failed:  # the first failure, as a sequential replay
        raise failed.exceptions[0] from None
    return read


_QUEUED_SHARDS = 4  # per connection: bounds the pages held in memory


@dataclass
class _FeedRead:
    cursor: int = 0
    events: int = 0


async def _read_feed(
    feed: CommandFeed,
    page_size: int,
    queues: list[asyncio.Queue[list[tuple[StreamEvent, int]] | None]],
    read: _FeedRead,
) -> None:
    """Fetch the feed page by page (the next one while this one is split) into the
    connections' queues; None in every queue at the end."""
    upcoming = asyncio.create_task(feed.page(0, page_size))
    try:
        while True:
            page, next_cursor = await upcoming
            if not page:
                break
            upcoming = asyncio.create_task(feed.page(next_cursor, page_size))
            shards: list[list[tuple[StreamEvent, int]]] = [[] for _ in queues]
            for record in page:
                shards[record[0].stream_id.int % len(queues)].append(record)
            for queue, shard in zip(queues, shards, strict=True):
                if shard:
                    await queue.put(shard)
            read.cursor, read.events = next_cursor, read.events + len(page)
    finally:
        upcoming.cancel()
    for queue in queues:
        await queue.put(None)


async def _apply_shards(
    applier: PageApplier, queue: asyncio.Queue[list[tuple[StreamEvent, int]] | None]
) -> None:
    while (records := await queue.get()) is not None:
        await _apply(applier, records)


async def _apply(applier: PageApplier, records: list[tuple[StreamEvent, int]]) -> None:
    if not records:
        return
    result = await applier.apply(records)
    if result.held or result.duplicates:
        event, _ = (result.held or records)[0]
        raise CorruptLogError(
            f"{event.stream_id}: v{event.version} after v{result.tracked[event.stream_id]}"
        )


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
        await schemas.create_schema(admin, name, indexes=False)
        targets = [await schemas.connect(database_url, name) for _ in range(REPLAY_CONNECTIONS)]
        try:
            for target in targets:
                await target.execute("SET synchronous_commit TO off")
            events = await replay_into(targets, feed)
        finally:
            for target in targets:
                await target.close()
        await schemas.create_indexes(admin, name)
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


def main(argv: list[str] | None = None, prog: str = "python -m query_service.rebuild") -> int:
    settings = load(RebuildSettings)
    parser = argparse.ArgumentParser(prog=prog, description="Rebuild the read models (blue-green).")
    parser.add_argument("--database-url", default=settings.database_url)
    parser.add_argument("--command-url", default=settings.command_url)
    parser.add_argument("--keep", type=int, default=1, help="previous generations to keep")
    args = parser.parse_args(argv)
    configure_logging(settings.log_level, settings.log_format)
    credentials = credentials_from(
        settings.service_email,
        settings.service_password,
        settings.state_dir / CREDENTIALS_FILE,
        "service",
    )
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
