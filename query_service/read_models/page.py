"""One page of events folded into the read models: the rows it touches, loaded once,
changed in memory by every read model's folds, written back table by table.

The live consumer (one Kafka poll), the gap healer (one feed page) and the rebuild (one
shard of a feed page) all fold through this class, inside query_service.applier's
transaction; the folds themselves are pure functions of (page, event).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple, overload
from uuid import UUID

import asyncpg

from query_service.read_models.sum_table import SumTable
from query_service.read_models.tables import Row, Rows, RowTable, Sums
from query_service.read_models.upsert import Batch, columns_of
from shared.contract import events as ev
from shared.contract.payment_events import PaymentStarted

Fold = Callable[["Page", Any], object]  # its return value is ignored
# Runs once per page before the write-back: work a read model does per row, not per event.
Finish = Callable[["Page"], None]

# The field naming the entity an event creates: no stored row can exist for it yet.
_CREATES: dict[type[ev.StreamEvent], str] = {
    ev.VehicleRegistered: "vehicle_id",
    ev.BookingConfirmed: "booking_id",
    ev.HoldPlaced: "hold_id",
    ev.TripStarted: "trip_id",
    ev.MaintenanceScheduled: "maintenance_id",
    ev.LocationOpened: "location_id",
    ev.PricingPolicyPublished: "policy_id",
    PaymentStarted: "payment_id",
}
# Column lists per table; the DDL is fixed for the life of a process, so read them once.
_COLUMNS: dict[str, list[tuple[str, str]]] = {}


class Change(NamedTuple):
    """One read-model row an event touched: kind (vehicle, booking, ...) and its id."""

    kind: str
    id: UUID


class Page:
    """Buffers for every read-model table, and the dispatch of events to their folds."""

    def __init__(
        self,
        tables: Sequence[Rows | Sums],
        columns: Mapping[str, list[tuple[str, str]]],
        folds: Mapping[type[ev.StreamEvent], Sequence[Fold]],
        finishers: Sequence[Finish] = (),
        carry_sums: bool = False,
    ) -> None:
        self._folds, self._finishers = folds, finishers
        # The rows the current event changed, in order, each with its row before the event.
        self._changes: dict[Change, Row | None] = {}
        self._rows = [RowTable(s, columns[s.table], self._note) for s in tables
                      if isinstance(s, Rows)]  # fmt: skip
        self._sums = [SumTable(s, columns[s.table]) for s in tables if isinstance(s, Sums)]
        self._carried = [sums for sums in self._sums if carry_sums and sums.spec.fleet]
        for sums in self._carried:
            sums.carry_over()
        self._folded = False  # events folded since the last commit
        self._spoiled = False
        self._tables: dict[Rows | Sums, RowTable | SumTable] = {t.spec: t for t in self._rows}
        self._tables.update((t.spec, t) for t in self._sums)

    @classmethod
    async def create(
        cls,
        conn: asyncpg.Connection,
        tables: Sequence[Rows | Sums],
        folds: Mapping[type[ev.StreamEvent], Sequence[Fold]],
        finishers: Sequence[Finish] = (),
        carry_sums: bool = False,
    ) -> Page:
        """`carry_sums`: the sums of fleet tables are kept over pages and written
        together by `write_carried` (a rebuild: nobody reads the generation before it
        ends, and the fleet's buckets are summed once instead of once per page)."""
        for spec in tables:
            if spec.table not in _COLUMNS:
                _COLUMNS[spec.table] = await columns_of(conn, spec.table)
                assert _LOADED not in dict(_COLUMNS[spec.table]), f"{spec.table}.{_LOADED}"
        page = cls(tables, _COLUMNS, folds, finishers, carry_sums)
        # The connection's staging tables in one statement and commit: one round trip and
        # commit per table took 40-46 ms a connection, together 11-17 ms (scratch timing).
        stages = [t.upsert.create_stage for t in page._rows]
        await conn.execute(";".join(stages + [t.upsert.create_stage for t in page._sums]))
        return page

    @overload
    def __getitem__(self, spec: Rows) -> RowTable: ...
    @overload
    def __getitem__(self, spec: Sums) -> SumTable: ...
    def __getitem__(self, spec: Rows | Sums) -> RowTable | SumTable:
        return self._tables[spec]

    async def load(self, conn: asyncpg.Connection, events: Iterable[ev.StreamEvent]) -> None:
        """Read the stored rows the events refer to, except those the page creates."""
        ids: dict[str, set[UUID]] = {}
        born: set[UUID] = set()
        for e in events:
            for field in _ID_FIELDS[type(e)]:
                value = getattr(e, field)
                if value is not None:  # BookingConfirmed without a hold
                    ids.setdefault(field, set()).add(value)
            created = _CREATES.get(type(e))
            if created is not None:
                born.add(getattr(e, created))
        wanted = []
        for table in self._rows:
            keys = table.missing(set().union(*(ids.get(f, ()) for f in table.spec.ids)) - born)
            if keys:
                wanted.append((table, keys))
        if not wanted:
            return
        sql = _load_statement(tuple((t.spec.table, t.spec.key) for t, _ in wanted))
        for record in await conn.fetch(sql, *(keys for _, keys in wanted)):
            which = record[0]
            wanted[which][0].loaded(dict(record[1 + which]))

    def fold(self, event: ev.StreamEvent) -> tuple[Change, ...]:
        """Apply every read model's fold for the event; the rows it changed, in order."""
        self._changes, self._folded = {}, True
        for fold in self._folds[type(event)]:
            fold(self, event)
        return tuple(self._changes)

    @property
    def changes(self) -> tuple[Change, ...]:
        """The rows the current event changed so far (folds of later models may read it)."""
        return tuple(self._changes)

    def before(self, change: Change) -> Row | None:
        """A row the current event changed, as it was before the event (None: it had no
        row); what it is now, the row's table says."""
        return self._changes[change]

    def _note(self, kind: str, key: UUID, before: Row | None) -> None:
        self._changes.setdefault(Change(kind, key), before)

    async def flush(self, conn: asyncpg.Connection, batch: Batch) -> None:
        """Write the page back: big writes now, the others into `batch` (the caller
        sends it)."""
        for finish in self._finishers:
            finish(self)
        for rows in self._rows:
            await rows.flush(conn, batch)
        for sums in self._sums:
            if not sums.carrying:
                await sums.flush(conn, batch)

    def start_fresh(self) -> None:
        """A first replay into an empty generation: SumTable.start_fresh for every table."""
        for sums in self._sums:
            sums.start_fresh()

    def committed(self) -> None:
        """The page's transaction committed: its additions to carried sums are kept."""
        self._folded = False

    @property
    def spoiled(self) -> bool:
        """The carried sums hold additions of a page that did not commit (or would, if
        its transaction ended now): they are wrong, and the page cannot be retried."""
        return self._spoiled or (self._folded and bool(self._carried))

    @property
    def carried(self) -> int:
        """Rows of sums carried, not yet written."""
        return sum(sums.held for sums in self._carried)

    def check_unspoiled(self) -> None:
        """Refuse to go on with carried sums that are wrong (`spoiled`)."""
        if self.spoiled:
            raise RuntimeError("carried sums hold the additions of a page that rolled back")

    async def write_carried(self, conn: asyncpg.Connection) -> None:
        self.check_unspoiled()
        batch = Batch()
        for sums in self._carried:
            await sums.write_carried(conn, batch)
        await batch.send(conn)

    def discard(self) -> None:
        """Forget the page's buffered work (written, or rolled back); carried sums stay,
        and are spoiled if the page folded events and did not commit."""
        self._spoiled, self._folded = self.spoiled, False
        for rows in self._rows:
            rows.reset()
        for sums in self._sums:
            sums.reset()


# The alias of a loaded row. A bare name means a column before a whole row, so no table
# may have a column of that name (Page.create checks).
_LOADED = "this_row"


@functools.lru_cache(maxsize=256)  # a statement per combination of tables a page reads
def _load_statement(tables: tuple[tuple[str, str], ...]) -> str:
    """One statement reading rows of several tables by key (`$n`: the n-th table's keys),
    one round trip instead of one per table: each row comes as the table's composite in
    its own column, beside the index of its table."""
    names = [name for name, _ in tables]
    branches = []
    for i, (name, key) in enumerate(tables):
        rows = ", ".join(_LOADED if j == i else f"NULL::{t}" for j, t in enumerate(names))
        where = f"{_LOADED}.{key} = ANY(${i + 1}::uuid[])"
        branches.append(f"SELECT {i}, {rows} FROM {name} {_LOADED} WHERE {where}")
    return " UNION ALL ".join(branches)


_ID_FIELDS = {
    t: tuple(
        f for f in ("vehicle_id", "hold_id", "booking_id", "trip_id", "maintenance_id",
                    "location_id", "policy_id", "payment_id")
        if f in t.model_fields
    )
    for t in ev.EVENT_TYPES.values()
}  # fmt: skip
