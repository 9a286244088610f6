"""A rebuild in several processes equals one in a single process, however the log grew
while they ran.

Each process replays some of the shards and stops when it finds the feed's end; events
appended meanwhile reach the later ones only. The last pass, from where the earliest
stopped, completes every shard (query_service.replay). Here the processes' replays run
one after the other in this process, the log growing between them, as it can between
processes that run side by side.
"""

from __future__ import annotations

from uuid import UUID

import pytest

from query_service import applier
from query_service.applier import PageApplier
from query_service.read_models import TABLES
from query_service.read_models.tables import Sums
from query_service.replay import SHARDS, Progress, Shards, _replay, catch_up, replay_into
from query_service.store.schemas import connect
from shared.contract.shards import shard_of
from tests.query.equivalence_delivery import LogFeed
from tests.query.equivalence_logs import EVERY_TYPE, History, log_of
from tests.query.test_live_equals_rebuild import generations, rebuild_into, snapshot

HISTORY = History(seed=5, vehicles=6, days=2)


@pytest.mark.parametrize("history", [EVERY_TYPE, HISTORY], ids=["every type", "six vehicles"])
async def test_shard_replays_that_stop_at_different_ends_are_completed_by_the_last_pass(
    query_dsn: str, history: History
) -> None:
    log = await log_of(history)
    positions = sorted(p for _, p in log)
    async with generations(query_dsn, "whole", "sharded") as (admin, (whole, sharded)):
        await rebuild_into(query_dsn, whole, log, 2000, SHARDS)

        feed = LogFeed(log)
        ends: list[Progress] = []
        for owned, written in (((1, 3), 0.7), ((0, 2), 0.4)):  # the later one stops first
            feed.written = positions[int(len(positions) * written)]
            conns = [await connect(query_dsn, sharded) for _ in owned]
            try:
                ends.append(await _replay(conns, feed, 7, 0, Shards(owned), replayed=False))
            finally:
                for conn in conns:
                    await conn.close()
        feed.written = positions[-1]
        assert catch_up(ends) == ends[1].cursor  # the one that read the fewest events
        conns = [await connect(query_dsn, sharded) for _ in range(SHARDS)]
        try:
            tail = await replay_into(conns, feed, 7, after=catch_up(ends), replayed=True)
        finally:
            for conn in conns:
                await conn.close()

        assert sum(end.events for end in ends) + tail == len(log)
        assert await snapshot(admin, sharded) == await snapshot(admin, whole)
        cursor = await admin.fetchval(f"SELECT after_position FROM {sharded}.feed_cursor")
        assert cursor == positions[-1]


def test_each_stream_belongs_to_exactly_one_process_and_the_feed_filters_it_there() -> None:
    halves = [Shards((0, 2)), Shards((1, 3))]
    assert [half.share for half in halves] == [(0, 2), (1, 2)]
    for n in range(64):
        stream = UUID(int=n * 7919 + 13)
        owners = [half for half in halves if half.of(stream) in half.owned]
        assert len(owners) == 1
        assert [h for h in halves if shard_of(stream, h.share[1]) == h.share[0]] == owners
    assert not halves[0].whole and Shards((0, 1, 2, 3)).whole
    with pytest.raises(AssertionError):  # not every n-th shard: no one shard of fewer
        Shards((0, 1))


async def test_bucket_sums_carried_across_pages_equal_those_written_with_each_page(
    query_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(applier, "CARRIED_ROWS", 40)  # written every few pages, and at the end
    log = await log_of(HISTORY)
    async with generations(query_dsn, "paged", "carried") as (admin, (paged, carried)):
        conn = await connect(query_dsn, paged)
        try:
            writer = await PageApplier.create(conn, notify=False)
            for start in range(0, len(log), 7):
                assert len((await writer.apply(log[start : start + 7])).applied) == len(
                    log[start : start + 7]
                )
        finally:
            await conn.close()
        await rebuild_into(query_dsn, carried, log, 7, SHARDS)
        sums = [t.table for t in TABLES if isinstance(t, Sums)]
        paged_rows, carried_rows = await snapshot(admin, paged), await snapshot(admin, carried)
        assert all(paged_rows[table] for table in sums)
        for table in sums:
            assert carried_rows[table] == paged_rows[table], table
