"""Replaying the catch-up feed into an empty read-model generation, shard by shard.

Read models never relate rows of two streams, so each stream's events can be applied
apart from every other stream's. The replay splits the log into `SHARDS` by stream id
(fleet rows are sliced the same way: `spans.FLEET_SLICES` is a multiple of it), gives
each shard a connection, and applies each shard's events in log order through the page
applier, one transaction per shard of a page.

One Python process is the limit of a replay (folding, COPY encoding, parsing the feed),
with PostgreSQL's share of the machine to spare: `replay` lets several processes take
every n-th shard. Each reads only its own shards' events: the command service filters the
feed. They finish at different moments, and events appended in between belong to some
replays and not to others, so a last pass replays the log from the earliest end on,
skipping the events a shard already holds.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

import asyncpg

from query_service.applier import PageApplier
from query_service.feed_client import CommandFeed
from query_service.settings import REBUILD_PROCESSES
from query_service.store import schemas
from shared.contract.events import StreamEvent
from shared.contract.shards import shard_of
from shared.kit import collector, loop
from shared.kit.auth.client import Credentials
from shared.kit.processes import each_in_a_process

PAGE = 2000
SHARDS = 4
_QUEUED_SHARDS = 4  # pages queued per connection: bounds the pages held in memory

Record = tuple[StreamEvent, int]


class CorruptLogError(RuntimeError):
    """The feed delivered a stream's versions out of order or with a hole."""


class Feed(Protocol):
    """query_service.feed_client.CommandFeed, as the replay uses it."""

    async def page(self, after: int, limit: int = ...) -> tuple[list[Record], int]: ...

    async def shard_page(
        self, after: int, limit: int, shard: int, shards: int
    ) -> tuple[list[Record], int, int]: ...


@dataclass(frozen=True)
class Shards:
    """The shards one replay applies (`owned`, one connection each) of `count`: every
    `count // len(owned)`-th from the first, so that together they are one shard of
    fewer (`share`), which the feed can filter on (shared.contract.shards)."""

    owned: tuple[int, ...]
    count: int = SHARDS

    def __post_init__(self) -> None:
        share = self.share
        assert self.owned == tuple(range(share[0], self.count, share[1])), self.owned

    def of(self, stream_id: UUID) -> int:
        return shard_of(stream_id, self.count)

    @property
    def share(self) -> tuple[int, int]:
        """(shard, shards): the owned shards as one shard of fewer."""
        return self.owned[0], self.count // len(self.owned)

    @property
    def whole(self) -> bool:
        return len(self.owned) == self.count

    @classmethod
    def all_on(cls, conns: Sequence[object]) -> Shards:
        """Every stream, a shard per connection."""
        return cls(tuple(range(len(conns))), len(conns))


@dataclass
class Progress:
    """How far one replay went."""

    cursor: int  # the feed's cursor after the last page read
    read: int = 0  # events of the feed passed (whatever their shard)
    events: int = 0  # events applied


async def replay_into(
    conns: Sequence[asyncpg.Connection],
    feed: Feed,
    page_size: int = PAGE,
    *,
    after: int = 0,
    replayed: bool = False,
) -> int:
    """Apply the feed after position `after` to a generation, one connection per shard;
    store the feed cursor; return the events applied. `replayed`: some of them may be
    applied already (and are skipped); otherwise a stream's version seen twice is a
    corrupt log. From the start (`after` 0, not `replayed`) the generation must be
    empty: its first writes are not checked for conflicts (SumTable.start_fresh)."""
    progress = await _replay(conns, feed, page_size, after, Shards.all_on(conns), replayed)
    await conns[0].execute("UPDATE feed_cursor SET after_position = $1", progress.cursor)
    return progress.events


async def replay(
    dsn: str,
    schema: str,
    command_url: str,
    credentials: Credentials | None,
    processes: int = REBUILD_PROCESSES,
    page_size: int = PAGE,
) -> int:
    """Replay the command service's whole feed into `schema` with `processes` processes
    (1: this one; else a divisor of SHARDS); returns the events applied."""
    job = _Job(dsn, schema, command_url, credentials, page_size)
    if processes == 1:
        return await job.replay_here()
    assert SHARDS % processes == 0, f"{processes} processes cannot share {SHARDS} shards"
    shares = [tuple(range(p, SHARDS, processes)) for p in range(processes)]
    ends = await each_in_a_process(job.replay_shards, shares)
    tail = await job.replay_here(after=catch_up(ends), replayed=True)
    return sum(end.events for end in ends) + tail


def catch_up(ends: Sequence[Progress]) -> int:
    """Where the last pass starts: the cursor of the replay that stopped earliest. The
    feed only grows at its end, so that is the one that read the fewest events, and
    every shard holds all of its events up to there. (Positions are not in feed order:
    the smallest cursor need not be the earliest.)"""
    return min(ends, key=lambda end: end.read).cursor


@dataclass(frozen=True)
class _Job:
    """A replay's source (the command service) and target (a generation); pickled to
    each replay process."""

    dsn: str
    schema: str
    command_url: str
    credentials: Credentials | None
    page_size: int

    async def replay_here(self, after: int = 0, replayed: bool = False) -> int:
        """The feed after `after`, every shard, in this process."""
        async with self._opened(SHARDS) as (feed, conns):
            return await replay_into(conns, feed, self.page_size, after=after, replayed=replayed)

    def replay_shards(self, owned: tuple[int, ...]) -> Progress:
        """The whole feed, the `owned` shards only: a replay process's share."""

        async def replayed() -> Progress:
            async with self._opened(len(owned)) as (feed, conns):
                return await _replay(conns, feed, self.page_size, 0, Shards(owned), False)

        return loop.run(replayed())

    @contextlib.asynccontextmanager
    async def _opened(
        self, count: int
    ) -> AsyncIterator[tuple[CommandFeed, list[asyncpg.Connection]]]:
        """The feed, and `count` connections to the generation. It serves no one before it
        is activated, and a crash throws it away: commits need not wait for the WAL."""
        feed = CommandFeed(self.command_url, self.credentials)
        conns: list[asyncpg.Connection] = []
        try:
            for _ in range(count):
                conns.append(await schemas.connect(self.dsn, self.schema))
                await conns[-1].execute("SET synchronous_commit TO off")
            yield feed, conns
        finally:
            for conn in conns:
                await conn.close()
            await feed.close()


async def _replay(
    conns: Sequence[asyncpg.Connection],
    feed: Feed,
    page_size: int,
    after: int,
    shards: Shards,
    replayed: bool,
) -> Progress:
    """Every connection has its own queue of shard pages and applies them in order, one
    transaction each, while the next pages are fetched and split: no shard waits for the
    slowest one of its page. Nothing is notified: the generation serves no one yet."""
    fresh = after == 0 and not replayed  # an empty generation, each shard on one connection
    appliers = [
        await PageApplier.create(conn, notify=False, carry_sums=True, fresh=fresh) for conn in conns
    ]
    queues: list[asyncio.Queue[list[Record] | None]] = [
        asyncio.Queue(maxsize=_QUEUED_SHARDS) for _ in conns
    ]
    progress = Progress(after)
    with collector.rarely():  # at its default, a third of the replay's time
        async with loop.task_group() as group:
            group.create_task(_read_feed(feed, page_size, shards, queues, progress))
            for applier, queue in zip(appliers, queues, strict=True):
                group.create_task(_apply_pages(applier, queue, progress, replayed))
    return progress


async def _read_feed(
    feed: Feed,
    page_size: int,
    shards: Shards,
    queues: list[asyncio.Queue[list[Record] | None]],
    progress: Progress,
) -> None:
    """Fetch the feed page by page (the next one while this one is split) into the
    connections' queues; None in every queue at the end."""
    queue_of = {shard: queues[i] for i, shard in enumerate(shards.owned)}
    upcoming = asyncio.create_task(_fetch(feed, progress.cursor, page_size, shards))
    try:
        while True:
            page, next_cursor, read = await upcoming
            if not read:
                break
            upcoming = asyncio.create_task(_fetch(feed, next_cursor, page_size, shards))
            split: dict[int, list[Record]] = {shard: [] for shard in shards.owned}
            for record in page:
                split[shards.of(record[0].stream_id)].append(record)
            for shard, records in split.items():
                if records:
                    await queue_of[shard].put(records)
            progress.cursor, progress.read = next_cursor, progress.read + read
    finally:
        upcoming.cancel()
    for queue in queues:
        await queue.put(None)


async def _fetch(
    feed: Feed, after: int, page_size: int, shards: Shards
) -> tuple[list[Record], int, int]:
    """A page of the shards' events, the next cursor, and the events the page held."""
    if shards.whole:  # nothing to filter
        page, next_cursor = await feed.page(after, page_size)
        return page, next_cursor, len(page)
    return await feed.shard_page(after, page_size, *shards.share)


async def _apply_pages(
    applier: PageApplier,
    queue: asyncio.Queue[list[Record] | None],
    progress: Progress,
    replayed: bool,
) -> None:
    while (records := await queue.get()) is not None:
        result = await applier.apply(records)
        if result.held or (result.duplicates and not replayed):
            event, _ = (result.held or records)[0]
            raise CorruptLogError(
                f"{event.stream_id}: v{event.version} after v{result.tracked[event.stream_id]}"
            )
        progress.events += len(result.applied)
    await applier.write_carried()
