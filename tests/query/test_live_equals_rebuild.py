"""The read side's central property: however the log is delivered, live equals a rebuild.

Hypothesis draws random event logs — a seeded random fleet driven through the command
domain (decide, then fold), so every event is one the command side would write — and a
delivery of each: pages of 1, 7 or 2,000 records or of drawn lengths, vehicles
interleaved at random within a page (each vehicle's order kept), already applied records
sent again, whole pages redelivered, and events moved ahead of their predecessors (gaps),
healed at once from the feed as the consumer does or offered again after later pages.
Every call of the page applier is checked against the version rule (DESIGN §5), every
applied event must be announced on `fleet_changes` exactly once, and finally every row
of every read-model table (vehicle_tracking included) must equal a rebuild's.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import uuid
from collections import Counter, defaultdict, deque
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

import asyncpg
import pytest
from hypothesis import event as tally
from hypothesis import example, given, note, settings
from hypothesis import strategies as st

from command_service.domain import commands as cmd
from query_service.applier import CHANGES_CHANNEL, PageApplier, PageResult
from query_service.healer import Healer
from query_service.read_models import new_page
from query_service.rebuild import replay_into
from query_service.store.schemas import connect, create_schema, new_schema_name
from shared.contract.events import EVENT_TYPES, Event, Location
from shared.contract.serialization import loads
from tests.conftest import FakeClock
from tests.query.analytics_sim import STEP, Sim
from tests.query.conftest import Fleet

Record = tuple[Event, int]  # an event and its global position

# ---------------------------------------------------------------------------------------
# The logs: a seeded random fleet's history, decided and folded by the command domain.


@dataclass(frozen=True)
class History:
    seed: int
    vehicles: int
    days: int


class LogFleet(Fleet):
    """A fleet whose decided events are recorded in a log (positions 1, 2, ...), not
    applied: the test decides how they are delivered."""

    async def apply(self, *events: Event) -> None:
        for event in events:
            self.events.append((event, len(self.events) + 1))

    async def register(self, **overrides: Any) -> UUID:
        n = len(self.states) + 1
        return await super().register(vin=f"WVWZZZ1JZXW{n:06d}", plate=f"L-{n:06d}", **overrides)


class DetailSim(Sim):
    """The analytics simulation, plus detail and rate updates now and then."""

    async def workshop(self) -> None:
        await super().workshop()
        if self.rng.random() < 0.04:
            rng = self.rng
            change = rng.choice(
                [
                    {"plate": f"U-{rng.randrange(10**5):05d}", "seats": rng.choice([2, 5, 7])},
                    {"hourly_rate_cents": rng.randrange(500, 3_000), "daily_rate_cents": 9_000},
                    {"home": Location(lat=48.1, lon=11.6), "model": "ID.3"},
                ]
            )
            await self.attempt(rng.choice(self.vehicles), cmd.UpdateVehicleDetails(**change))


@contextlib.contextmanager
def seeded_uuids(rng: random.Random) -> Iterator[None]:
    """uuid4 drawn from `rng`, so a history is the same on every run (vehicle shards,
    fleet slices and row order all depend on ids)."""
    real = uuid.uuid4
    uuid.uuid4 = lambda: UUID(int=rng.getrandbits(128), version=4)
    try:
        yield
    finally:
        uuid.uuid4 = real


_LOGS: dict[History, list[Record]] = {}


async def log_of(history: History) -> list[Record]:
    """The events the command side writes for the history, in log order."""
    if history not in _LOGS:
        fleet = LogFleet(None, FakeClock())  # type: ignore[arg-type]
        sim = DetailSim(fleet, random.Random(history.seed))
        with seeded_uuids(random.Random(history.seed)):
            for _ in range(history.vehicles):
                sim.vehicles.append(await fleet.register(odometer_km=sim.rng.randrange(30_000)))
            for _ in range(int(timedelta(days=history.days) / STEP)):
                await sim.step()
                fleet.clock.advance(minutes=30)
            for v in reversed(sim.vehicles):  # the first without future bookings leaves
                if await sim.attempt(v, cmd.RetireVehicle("sold")):
                    break
        _LOGS[history] = list(fleet.events)
    return _LOGS[history]


# A history with every event type (test_the_fixed_history_has_every_event_type).
EVERY_TYPE = History(seed=5, vehicles=4, days=1)
histories = st.builds(
    History, seed=st.integers(0, 2**32 - 1), vehicles=st.integers(1, 6), days=st.integers(1, 2)
)

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
    redeliveries=((2, 0), (6, 2)),
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
        predecessor = (event.vehicle_id, event.version - 1)
        before = next(
            i for i, (e, _) in enumerate(stream) if (e.vehicle_id, e.version) == predecessor
        )
        stream.insert(max(0, before - back), record)
    return stream


def interleaved(page: Sequence[Record], rng: random.Random) -> list[Record]:
    """The page's vehicles mixed at random, each vehicle's records in their order."""
    queues: dict[UUID, deque[Record]] = defaultdict(deque)
    for record in page:
        queues[record[0].vehicle_id].append(record)
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
    """The page applier, each result checked against the version rule: per vehicle, the
    record at tracked + 1 is applied (in page order), any at or below it is a duplicate,
    any beyond it is held back."""

    def __init__(self, conn: asyncpg.Connection, page: Any) -> None:
        super().__init__(conn, page)
        self.tracked: dict[UUID, int] = {}
        self.applied: list[Record] = []
        self.held = self.duplicates = 0

    async def apply(self, records: Sequence[Record]) -> PageResult:
        tracked = {r[0].vehicle_id: self.tracked.get(r[0].vehicle_id, 0) for r in records}
        applied, held, duplicates = [], [], 0
        for event, position in records:
            if event.version <= tracked[event.vehicle_id]:
                duplicates += 1
            elif event.version == tracked[event.vehicle_id] + 1:
                tracked[event.vehicle_id] = event.version
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

    async def history(
        self, vehicle_id: UUID, after_version: int, limit: int = 1000
    ) -> list[Record]:
        return [
            (e, p) for e, p in self._log
            if e.vehicle_id == vehicle_id and e.version > after_version and p <= self.written
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
            for vehicle_id in result.gaps:
                await healer.heal_vehicle(applier, vehicle_id)
            result = await applier.apply(result.held)
            assert not result.held and not result.applied  # the healer applied them
        pending = sorted(pending + result.held, key=lambda record: record[1])
        if pending:
            pending = (await applier.apply(pending)).held
    assert not pending, pending


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
    try:
        assert await replay_into(conns, LogFeed(log), page) == len(log)  # type: ignore[arg-type]
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
    return Counter((str(e.vehicle_id), e.version, p) for e, p in log)


def received_of(payloads: Sequence[dict[str, Any]]) -> Counter[tuple[str, int, int]]:
    return Counter((n["vehicle_id"], n["version"], n["global_position"]) for n in payloads)


# ---------------------------------------------------------------------------------------
# The tests.


async def test_the_fixed_example_has_every_event_type_and_every_delivery_fault() -> None:
    log = await log_of(EVERY_TYPE)
    assert {type(e).__name__ for e, _ in log} == set(EVENT_TYPES)

    pages = pages_of(log, EVERYTHING)
    offered = [r for page in pages for r in page]
    first_seen = {r[1]: i for i, r in reversed(list(enumerate(offered)))}
    position_of = {(e.vehicle_id, e.version): p for e, p in log}
    ahead = {
        p
        for e, p in log
        if e.version > 1 and first_seen[p] < first_seen[position_of[e.vehicle_id, e.version - 1]]
    }
    assert set(offered) == set(log) and len(ahead) >= 3  # the moved events, ahead of a gap
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

    assert len(live_rows) == 15 and live_rows.keys() == rebuilt_rows.keys()
    assert len(live_rows["vehicles"]) == history.vehicles
    assert len(live_rows["vehicle_tracking"]) == history.vehicles
    for table, rows in live_rows.items():
        assert rows == rebuilt_rows[table], table


async def test_a_later_event_is_held_until_its_predecessor_is_applied(query_dsn: str) -> None:
    log = await log_of(History(seed=3, vehicles=1, days=1))
    (e1, p1), (e2, p2), (e3, p3) = log[:3]
    async with generations(query_dsn, "gap") as (_, (schema,)):
        conn = await connect(query_dsn, schema)
        try:
            applier = await PageApplier.create(conn, notify=False)
            assert (await applier.apply([(e1, p1)])).applied
            ahead = await applier.apply([(e3, p3)])
            assert ahead.held == [(e3, p3)] and not ahead.applied
            assert ahead.gaps == {e1.vehicle_id} and ahead.tracked == {e1.vehicle_id: 1}
            assert [a.event for a in (await applier.apply([(e2, p2)])).applied] == [e2]
            again = await applier.apply(ahead.held)
            assert [a.event for a in again.applied] == [e3] and not again.held
            version = await conn.fetchval("SELECT version FROM vehicle_tracking")
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
