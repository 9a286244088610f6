"""The read side's central property: however the log is delivered, live equals a rebuild.

Hypothesis draws random event logs — a seeded random fleet driven through the command
domain (decide, then fold), so every event is one the command side would write, with two
locations (branches) and two pricing policies as streams of their own — and a delivery
of each: pages of 1, 7 or 2,000 records or of drawn lengths, streams interleaved at
random within a page (each stream's order kept), already applied records sent again,
whole pages redelivered, and events moved ahead of their predecessors (gaps), healed at
once from the feed as the consumer does or offered again after later pages.
Every call of the page applier is checked against the version rule (DESIGN §5), every
applied event must be announced on `fleet_changes` exactly once, and finally every row
of every read-model table (stream_tracking included) must equal a rebuild's.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import asyncpg
import pytest
from hypothesis import event as tally
from hypothesis import example, given, note, settings
from hypothesis import strategies as st

from query_service.applier import CHANGES_CHANNEL, PageApplier, StreamRef
from query_service.read_models import new_page
from query_service.replay import replay_into
from query_service.store.schemas import connect, create_schema, new_schema_name
from shared.contract.events import EVENT_TYPES
from shared.contract.serialization import loads
from tests.query.equivalence_delivery import (
    EVERYTHING,
    CheckedApplier,
    Delivery,
    LogFeed,
    deliver,
    deliveries,
    pages_of,
)
from tests.query.equivalence_logs import EVERY_TYPE, History, Record, histories, log_of

# ---------------------------------------------------------------------------------------
# Generations and their rows.


@contextlib.asynccontextmanager
async def generations(
    dsn: str, *suffixes: str
) -> AsyncIterator[tuple[asyncpg.Connection, list[str]]]:
    """Fresh, empty read-model schemas (dropped afterwards) and an admin connection."""
    admin = await asyncpg.connect(dsn)
    names = [f"{new_schema_name()}_{suffix}" for suffix in suffixes]
    try:
        for name in names:
            await create_schema(admin, name)
        yield admin, names
    finally:
        for name in names:
            await admin.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        await admin.close()


async def snapshot(conn: asyncpg.Connection, schema: str) -> dict[str, list[str]]:
    """Every row of every table but the feed cursor, as canonical JSON text, sorted."""
    tables = await conn.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = $1"
        " AND table_name <> 'feed_cursor' ORDER BY 1",
        schema,
    )
    sql = "SELECT to_jsonb(t)::text FROM {}.{} AS t ORDER BY 1"
    return {r[0]: [row[0] for row in await conn.fetch(sql.format(schema, r[0]))] for r in tables}


async def rebuild_into(
    dsn: str, schema: str, log: Sequence[Record], page: int, shards: int
) -> None:
    conns = [await connect(dsn, schema) for _ in range(shards)]
    collector = gc.get_threshold()
    try:
        assert await replay_into(conns, LogFeed(log), page) == len(log)  # type: ignore[arg-type]
        assert gc.get_threshold() == collector  # collects rarely while replaying only
    finally:
        for conn in conns:
            await conn.close()


@contextlib.asynccontextmanager
async def notices(admin: asyncpg.Connection) -> AsyncIterator[Callable[[], Any]]:
    """Collect the change notices; the yielded coroutine function waits for all notices
    sent so far (a marker sent last arrives last) and returns them."""
    received: list[str] = []
    marker = f"marker-{uuid.uuid4()}"
    arrived = asyncio.Event()

    def listen(_conn: object, _pid: int, _channel: str, payload: str) -> None:
        if payload == marker:
            arrived.set()
        else:
            received.append(payload)

    async def all_sent() -> list[dict[str, Any]]:
        arrived.clear()
        await admin.execute("SELECT pg_notify($1, $2)", CHANGES_CHANNEL, marker)
        await asyncio.wait_for(arrived.wait(), 10)
        return [loads(payload) for payload in received]

    await admin.add_listener(CHANGES_CHANNEL, listen)
    try:
        yield all_sent
    finally:
        await admin.remove_listener(CHANGES_CHANNEL, listen)


def announced(log: Sequence[Record]) -> Counter[tuple[str, int, int]]:
    return Counter((str(e.stream_id), e.version, p) for e, p in log)


def stream_of(notice: dict[str, Any]) -> str:
    """The stream a notice names, under its kind's name."""
    return str(next(notice[k] for k in _STREAM_IDS if k in notice))


_STREAM_IDS = ("vehicle_id", "location_id", "policy_id", "payment_id")


def received_of(payloads: Sequence[dict[str, Any]]) -> Counter[tuple[str, int, int]]:
    """(stream id, version, position) of each notice: a vehicle's, a location's, a
    pricing policy's or a payment's."""
    return Counter((stream_of(n), n["version"], n["global_position"]) for n in payloads)


# ---------------------------------------------------------------------------------------
# The tests.


async def test_the_fixed_example_has_every_event_type_and_every_delivery_fault() -> None:
    log = await log_of(EVERY_TYPE)
    assert {type(e).__name__ for e, _ in log} == set(EVENT_TYPES)

    pages = pages_of(log, EVERYTHING)
    offered = [r for page in pages for r in page]
    first_seen = {r[1]: i for i, r in reversed(list(enumerate(offered)))}
    position_of = {(e.stream_id, e.version): p for e, p in log}
    ahead = {
        p
        for e, p in log
        if e.version > 1 and first_seen[p] < first_seen[position_of[e.stream_id, e.version - 1]]
    }
    # by position: events carrying pricing terms (lists) are not hashable
    assert {p for _, p in offered} == {p for _, p in log} and len(ahead) >= 3  # moved ahead
    assert len(offered) - len(log) == 4 + 8 + 7  # 4 duplicates, 2 pages again (one with one)
    assert sum(a == b for a, b in itertools.pairwise(pages)) == 1  # one redelivered at once
    assert sum(page != sorted(page, key=lambda r: r[1]) for page in pages) > 5  # interleaved


# A failure is shrunk for up to 5 minutes (hypothesis' cap): room for it in the timeout.
@pytest.mark.timeout(600)
@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
)
@given(
    history=histories,
    delivery=deliveries,
    rebuild=st.sampled_from([(2000, 4), (7, 4), (1000, 2), (3, 1)]),
)
@example(history=EVERY_TYPE, delivery=EVERYTHING, rebuild=(2000, 4))
@example(history=EVERY_TYPE, delivery=Delivery(1, (1,), 0, ((9, 3),), (), (), True), rebuild=(7, 4))
async def test_every_row_of_a_live_read_side_equals_a_rebuild(
    query_dsn: str, history: History, delivery: Delivery, rebuild: tuple[int, int]
) -> None:
    log = await log_of(history)
    pages = pages_of(log, delivery)
    note(f"{history}, {delivery}, rebuild pages of {rebuild[0]} on {rebuild[1]} connections")
    note(f"{len(log)} events offered in {len(pages)} pages of {[len(p) for p in pages]}")
    async with generations(query_dsn, "live", "rebuilt") as (admin, (live, rebuilt)):
        async with notices(admin) as all_sent:
            conn = await connect(query_dsn, live)
            try:
                applier = CheckedApplier(conn, await new_page(conn))
                await deliver(applier, pages, delivery.heal)
            finally:
                await conn.close()
            sent = await all_sent()
        await rebuild_into(query_dsn, rebuilt, log, *rebuild)

        assert sorted(applier.applied, key=lambda r: r[1]) == list(log)  # each exactly once
        tally(f"pages of {delivery.page_size or 'drawn lengths'}")
        tally("gaps healed" if delivery.heal else "gaps offered again", applier.held > 0)
        tally("duplicates", applier.duplicates > 0)
        tally("events", f"{len(log) // 40 * 40}+")
        assert received_of(sent) == announced(log)  # one notice per applied event
        live_rows, rebuilt_rows = await snapshot(admin, live), await snapshot(admin, rebuilt)

    assert len(live_rows) == 20 and live_rows.keys() == rebuilt_rows.keys()
    assert len(live_rows["vehicles"]) == history.vehicles
    assert len(live_rows["locations"]) == len(live_rows["pricing_policies"]) == 2
    assert len(live_rows["pricing_policy_versions"]) >= 3  # one revised half-way
    payments = {e.stream_id for e, _ in log if e.STREAM == "payment"}
    assert len(live_rows["payments"]) == len(payments)
    assert len(live_rows["stream_tracking"]) == history.vehicles + 2 + 2 + len(payments)
    for table, rows in live_rows.items():
        assert rows == rebuilt_rows[table], table


async def test_a_later_event_is_held_until_its_predecessor_is_applied(query_dsn: str) -> None:
    log = await log_of(History(seed=3, vehicles=1, days=1))
    (e1, p1), (e2, p2), (e3, p3) = [r for r in log if r[0].STREAM == "vehicle"][:3]
    async with generations(query_dsn, "gap") as (_, (schema,)):
        conn = await connect(query_dsn, schema)
        try:
            applier = await PageApplier.create(conn, notify=False)
            assert (await applier.apply([(e1, p1)])).applied
            ahead = await applier.apply([(e3, p3)])
            assert ahead.held == [(e3, p3)] and not ahead.applied
            assert ahead.gaps == {StreamRef("vehicle", e1.stream_id)}
            assert ahead.tracked == {e1.stream_id: 1}
            assert [a.event for a in (await applier.apply([(e2, p2)])).applied] == [e2]
            again = await applier.apply(ahead.held)
            assert [a.event for a in again.applied] == [e3] and not again.held
            version = await conn.fetchval(
                "SELECT version FROM stream_tracking WHERE stream_id = $1", e1.stream_id
            )
        finally:
            await conn.close()
    assert version == 3


async def test_a_change_notice_is_sent_once_per_applied_event_and_never_for_a_duplicate(
    query_dsn: str,
) -> None:
    log = await log_of(History(seed=11, vehicles=3, days=1))
    first, rest = log[: len(log) // 2], log[len(log) // 2 :]
    async with generations(query_dsn, "notices") as (admin, (schema,)):
        conn = await connect(query_dsn, schema)
        try:
            applier = await PageApplier.create(conn)
            async with notices(admin) as all_sent:
                await applier.apply(first)
                assert received_of(await all_sent()) == announced(first)

                redelivered = await applier.apply(first)  # a page again: nothing new
                assert redelivered.duplicates == len(first) and not redelivered.applied
                assert received_of(await all_sent()) == announced(first)

                mixed = await applier.apply([*first[::3], *rest, *rest[::2]])
                assert len(mixed.applied) == len(rest)
                payloads = await all_sent()
        finally:
            await conn.close()

    assert received_of(payloads) == announced(log)
    event, position = rest[-1]
    last = next(n for n in payloads if n["global_position"] == position)
    assert (last["event_type"], last["version"]) == (type(event).__name__, event.version)
