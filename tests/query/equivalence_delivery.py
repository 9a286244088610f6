"""Deliveries for the live-equals-rebuild property: how the consumer (Kafka, at least
once) hands a log to the page applier, and the applier checked call by call."""

from __future__ import annotations

import random
from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg
from hypothesis import strategies as st

from query_service.applier import PageApplier, PageResult
from query_service.healer import Healer
from shared.contract.shards import shard_of
from tests.query.equivalence_logs import Record

# ---------------------------------------------------------------------------------------
# Deliveries: how the consumer (Kafka, at least once) hands the log to the applier.


@dataclass(frozen=True)
class Delivery:
    page_size: int  # 1, 7 or 2000 records a page; 0: the lengths in `cuts`, cycled
    cuts: tuple[int, ...]
    shuffle: int  # seeds the interleaving of vehicles within each page
    # (pick of an event with a predecessor, how far before the predecessor it is moved)
    moves: tuple[tuple[int, int], ...]
    # (page pick, pick of a record delivered by then, slot in the page): sent again
    duplicates: tuple[tuple[int, int, int], ...]
    # (page pick, pages later): the page is delivered again after that many more
    redeliveries: tuple[tuple[int, int], ...]
    # Held events: gap healed from the feed at once, then the held offered again (the
    # consumer), or the held offered again after every later page until applied.
    heal: bool


picks = st.integers(0, 10**6)
deliveries = st.builds(
    Delivery,
    page_size=st.sampled_from([1, 7, 2000, 0]),
    cuts=st.lists(st.integers(1, 40), min_size=1, max_size=5).map(tuple),
    shuffle=st.integers(0, 2**16),
    moves=st.lists(st.tuples(picks, st.integers(0, 30)), max_size=3).map(tuple),
    duplicates=st.lists(st.tuples(picks, picks, picks), max_size=8).map(tuple),
    redeliveries=st.lists(st.tuples(picks, st.integers(0, 2)), max_size=3).map(tuple),
    heal=st.booleans(),
)
EVERYTHING = Delivery(
    page_size=7,
    cuts=(1,),
    shuffle=1,
    moves=((3, 0), (40, 5), (77, 30)),
    duplicates=((0, 0, 0), (5, 17, 3), (9, 400, 1), (12, 3, 99)),
    redeliveries=((2, 0), (5, 2)),
    heal=False,
)


def moved(log: Sequence[Record], moves: Sequence[tuple[int, int]]) -> list[Record]:
    """The log with some events moved ahead of their predecessors."""
    stream = list(log)
    for pick, back in moves:
        later = [r for r in stream if r[0].version > 1]
        if not later:
            break
        record = later[pick % len(later)]
        event = record[0]
        stream.remove(record)
        predecessor = (event.stream_id, event.version - 1)
        before = next(
            i for i, (e, _) in enumerate(stream) if (e.stream_id, e.version) == predecessor
        )
        stream.insert(max(0, before - back), record)
    return stream


def interleaved(page: Sequence[Record], rng: random.Random) -> list[Record]:
    """The page's vehicles mixed at random, each vehicle's records in their order."""
    queues: dict[UUID, deque[Record]] = defaultdict(deque)
    for record in page:
        queues[record[0].stream_id].append(record)
    mixed: list[Record] = []
    while queues:
        vehicle = rng.choice(list(queues))
        mixed.append(queues[vehicle].popleft())
        if not queues[vehicle]:
            del queues[vehicle]
    return mixed


def pages_of(log: Sequence[Record], delivery: Delivery) -> list[list[Record]]:
    """The pages the applier is offered, in order (before healing)."""
    stream = moved(log, delivery.moves)
    lengths = [delivery.page_size] if delivery.page_size else list(delivery.cuts)
    pages: list[list[Record]] = []
    start = 0
    while start < len(stream):
        size = lengths[len(pages) % len(lengths)]
        pages.append(stream[start : start + size])
        start += size
    rng = random.Random(delivery.shuffle)
    pages = [interleaved(page, rng) for page in pages]
    for page_pick, record_pick, slot in delivery.duplicates:
        p = page_pick % len(pages)
        sent = [r for page in pages[: p + 1] for r in page]
        pages[p].insert(slot % (len(pages[p]) + 1), sent[record_pick % len(sent)])
    for page_pick, later in sorted(delivery.redeliveries, reverse=True):
        p = page_pick % len(pages)
        pages.insert(min(p + later + 1, len(pages)), list(pages[p]))
    return pages


# ---------------------------------------------------------------------------------------
# The applier, checked call by call, and the command service's feed.


class CheckedApplier(PageApplier):
    """The page applier, each result checked against the version rule: per stream, the
    record at tracked + 1 is applied (in page order), any at or below it is a duplicate,
    any beyond it is held back."""

    def __init__(self, conn: asyncpg.Connection, page: Any) -> None:
        super().__init__(conn, page)
        self.tracked: dict[UUID, int] = {}
        self.applied: list[Record] = []
        self.held = self.duplicates = 0

    async def apply(self, records: Sequence[Record]) -> PageResult:
        tracked = {r[0].stream_id: self.tracked.get(r[0].stream_id, 0) for r in records}
        applied, held, duplicates = [], [], 0
        for event, position in records:
            if event.version <= tracked[event.stream_id]:
                duplicates += 1
            elif event.version == tracked[event.stream_id] + 1:
                tracked[event.stream_id] = event.version
                applied.append((event, position))
            else:
                held.append((event, position))

        result = await super().apply(records)

        assert [(a.event, a.position) for a in result.applied] == applied
        assert (result.duplicates, result.held, result.tracked) == (duplicates, held, tracked)
        self.tracked.update(tracked)
        self.applied.extend(applied)
        self.held += len(held)
        self.duplicates += duplicates
        return result


class LogFeed:
    """The command service's feed over the log; `written` is the last position the command
    side had written when it is read (everything, unless set)."""

    def __init__(self, log: Sequence[Record]) -> None:
        self._log = sorted(log, key=lambda record: record[1])
        self.written = self._log[-1][1] if self._log else 0

    async def page(self, after: int, limit: int = 1000) -> tuple[list[Record], int]:
        found = [r for r in self._log if after < r[1] <= self.written][:limit]
        return found, found[-1][1] if found else after

    async def shard_page(
        self, after: int, limit: int, shard: int, shards: int
    ) -> tuple[list[Record], int, int]:
        found, next_after = await self.page(after, limit)
        mine = [r for r in found if shard_of(r[0].stream_id, shards) == shard]
        return mine, next_after, len(found)

    async def history(
        self, kind: str, stream_id: UUID, after_version: int, limit: int = 1000
    ) -> list[Record]:
        return [
            (e, p) for e, p in self._log
            if (e.STREAM, e.stream_id) == (kind, stream_id) and e.version > after_version
            and p <= self.written
        ][:limit]  # fmt: skip


async def deliver(applier: CheckedApplier, pages: Sequence[Sequence[Record]], heal: bool) -> None:
    """Offer the pages as the consumer does, healing every gap, until all is applied."""
    feed = LogFeed([r for page in pages for r in page])
    healer = Healer(feed)  # type: ignore[arg-type]
    pending: list[Record] = []
    written = 0
    for page in pages:
        written = max([written, *(position for _, position in page)])
        feed.written = written  # a record is published after the command side wrote it
        result = await applier.apply(page)
        if result.held and heal:  # ProjectionPipeline._heal_gaps
            for stream in result.gaps:
                await healer.heal_stream(applier, stream)
            result = await applier.apply(result.held)
            assert not result.held and not result.applied  # the healer applied them
        pending = sorted(pending + result.held, key=lambda record: record[1])
        if pending:
            pending = (await applier.apply(pending)).held
    assert not pending, pending
