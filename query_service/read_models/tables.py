"""A page's write-back buffers: keyed rows folded in Python, and additive bucket sums.

A page loads the rows its events touch (one statement for all tables), folds every event into
them in memory, then writes each table back: an `unnest` upsert of the final rows, a
`DELETE` of the removed ones, and for bucket tables an `unnest` upsert that adds the
summed deltas (additions commute, so summing first gives the same rows as one upsert per
event). The page's writes go together as one statement (`upsert.Batch`), big ones by
COPY. A rebuild carries the sums of fleet tables from committed pages and writes them
together (`SumTable.carry`): a fleet bucket is touched by nearly every page, and is then
written once per hundred thousand rows instead of once per page.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from query_service.read_models.spans import HOUR, bucket_start, cover
from query_service.read_models.upsert import COPY_FROM, Batch, Upsert

Row = dict[str, Any]
# Called with (kind, id) when a row of a table that names a change kind changes.
OnChange = Callable[[str, UUID], None]


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: a page's keys
class Rows:
    """A table of one row per entity, keyed by a uuid column.

    `ids`: the event fields whose values are keys of this table (the page loads those
    rows). `kind`: the change kind a client sees on GET /v1/stream when a row changes
    (None for analytics tables, which no client watches row by row)."""

    table: str
    key: str
    ids: tuple[str, ...]
    kind: str | None = None


@dataclass(frozen=True, eq=False)
class Sums:
    """A table of additive buckets: key columns, then integer value columns.

    `bucket`: for a table of time buckets, the key column holding the bucket start and
    the buckets' length (SumTable.spread adds a span to it). `edges`: such a table keeps
    the whole buckets of a span as edges (value columns after the partial ones: how many
    spans cover each bucket whole from this one on), not as one row per bucket.
    `fleet`: keyed by fleet-wide buckets, which most pages of a log touch again; a
    rebuild sums such a table over many pages before it writes (SumTable.carry)."""

    table: str
    keys: tuple[str, ...]
    bucket: tuple[str, timedelta] | None = None
    edges: bool = False
    fleet: bool = False


class RowTable:
    """Rows of one table keyed by its uuid primary key: loaded, changed, written back."""

    def __init__(self, spec: Rows, columns: list[tuple[str, str]], on_change: OnChange) -> None:
        self.spec, self.columns, self._on_change = spec, columns, on_change
        table, key = spec.table, spec.key
        names = self._names = [name for name, _ in columns]
        updates = ", ".join(f"{n} = EXCLUDED.{n}" for n in names if n != key)
        self.upsert = Upsert(table, columns, f"ON CONFLICT ({key}) DO UPDATE SET {updates}")
        self._delete = f"DELETE FROM {table} WHERE {key} = ANY($1::uuid[])"
        # Keyed by the uuid's integer: uuid.UUID hashes and compares in Python, which
        # showed in profiles of a rebuild (about 20 dictionary operations per event).
        self.rows: dict[int, Row] = {}
        self._dirty: set[int] = set()
        self._deleted: dict[int, UUID] = {}
        self._stored: set[int] = set()  # rows that exist in the table (loaded or deleted)

    def missing(self, keys: Iterable[UUID]) -> list[UUID]:
        """Those of `keys` whose rows the page has not read yet."""
        return [k for k in keys if k.int not in self.rows]

    def loaded(self, row: Row) -> None:
        """A stored row, as read (`page.load` reads every table's in one statement)."""
        key = row[self.spec.key].int
        self.rows[key] = row
        self._stored.add(key)

    def get(self, key: UUID) -> Row | None:
        return self.rows.get(key.int)

    def insert(self, key: UUID, **values: Any) -> None:
        """A new row; columns not given are NULL."""
        row = dict.fromkeys(self._names)
        row.update(values)
        row[self.spec.key] = key
        self.rows[key.int] = row
        self._dirty.add(key.int)
        self._deleted.pop(key.int, None)
        self._changed(key)

    def update(self, key: UUID, **values: Any) -> Row | None:
        """Set columns of an existing row (a missing row is left alone, like UPDATE)."""
        row = self.bump(key, **values)
        if row is not None:
            self._changed(key)
        return row

    def bump(self, key: UUID, **values: Any) -> Row | None:
        """`update` for bookkeeping columns (version, updated_at): no change notice."""
        row = self.rows.get(key.int)
        if row is not None:
            row.update(values)
            self._dirty.add(key.int)
        return row

    def delete(self, key: UUID) -> bool:
        if self.rows.pop(key.int, None) is None:
            return False
        self._dirty.discard(key.int)
        self._deleted[key.int] = key
        self._changed(key)
        return True

    def _changed(self, key: UUID) -> None:
        if self.spec.kind is not None:
            self._on_change(self.spec.kind, key)

    async def flush(self, conn: asyncpg.Connection, batch: Batch) -> None:
        if self._deleted:
            batch.add(self._delete, [list(self._deleted.values())])
        if self._dirty:
            values_of = operator.itemgetter(*self.upsert.columns)
            if len(self._dirty) < COPY_FROM:  # one part, new or not: fewer statement shapes
                parts = [(self._dirty, False)]
            else:
                new = self._dirty - self._stored  # created by this page: COPY may insert them
                parts = [(new, True), (self._dirty & self._stored, False)]
            for keys, fresh in parts:
                if keys:
                    rows = [values_of(self.rows[k]) for k in keys]
                    await self.upsert.write(conn, rows, batch, fresh)
        self.reset()

    def reset(self) -> None:
        self.rows, self._dirty, self._deleted, self._stored = {}, set(), {}, set()


class SumTable:
    """Summed additions to bucket rows: key columns → value columns, written by one upsert.

    A key that only ever receives zeros still gets its row (a cancelled booking leaves its
    buckets at zero), so every way of paging the same log creates the same rows.

    A span over time buckets costs a few entries whatever its length: its partial first
    and last buckets are added as rows, the whole buckets between them as a run (plus at
    the first, minus after the last). An `edges` table stores the run's two edges as they
    are; otherwise the flush expands the runs of the page into one row per bucket covered
    (with a count of covering runs, so a bucket only cancelled spans cover still gets its
    row), bounded by the distinct rows, not by events times buckets."""

    def __init__(self, spec: Sums, columns: list[tuple[str, str]]) -> None:
        self.spec = spec
        self._runs: dict[tuple[Any, ...], dict[int, list[int]]] = {}
        self._at: dict[tuple[int, tuple[Any, ...]], list[int]] = {}
        # Where the bucket start goes in a key, and the buckets' length.
        self._bucket_at = (
            (spec.keys.index(spec.bucket[0]), spec.bucket[1]) if spec.bucket else (0, HOUR)
        )
        kinds = dict(columns)
        keys = list(spec.keys)
        self.values = [name for name, _ in columns if name not in keys]
        ordered = [(n, kinds[n]) for n in keys] + [(n, kinds[n]) for n in self.values]
        adds = ", ".join(f"{n} = t.{n} + EXCLUDED.{n}" for n in self.values)
        conflict = f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {adds}"
        self.upsert = Upsert(spec.table, ordered, conflict)
        self.sums: dict[tuple[Any, ...], list[int]] = {}
        self.carried: dict[tuple[Any, ...], list[int]] = {}

    def add(self, key: tuple[Any, ...], **amounts: int) -> None:
        self.add_row(key, [amounts.get(name, 0) for name in self.values])

    def add_row(self, key: tuple[Any, ...], amounts: Sequence[int]) -> None:
        """Add one amount per value column, in the table's column order."""
        sums = self.sums.get(key)
        if sums is None:
            self.sums[key] = list(amounts)
        else:
            for i, amount in enumerate(amounts):
                sums[i] += amount

    def spread(
        self, rest: tuple[Any, ...], start: datetime, end: datetime, weights: Sequence[int]
    ) -> None:
        """Add `weights` times the seconds `[start, end)` covers in each time bucket to the
        rows keyed by the bucket and `rest` (the other key columns, in order)."""
        if end <= start:
            return
        assert self.spec.bucket is not None, f"{self.spec.table} has no time bucket"
        step = self.spec.bucket[1]
        c = cover(start, end, step)
        pad = [0] * len(weights) if self.spec.edges else []
        self._add_at((c.first, rest), [c.first_s * w for w in weights] + pad)
        if c.last == c.first:
            return
        self._add_at((c.last, rest), [c.last_s * w for w in weights] + pad)
        if c.last - c.first < 2:
            return
        if self.spec.edges:  # reader: bucket value = partial + length * sum of edges so far
            zeros = [0] * len(weights)
            self._add_at((c.first + 1, rest), zeros + list(weights))
            self._add_at((c.last, rest), zeros + [-w for w in weights])
            return
        whole = int(step.total_seconds())
        runs = self._runs.setdefault(rest, {})
        for index, sign in ((c.first + 1, 1), (c.last, -1)):
            edge = runs.setdefault(index, [0] * (len(weights) + 1))
            edge[0] += sign
            for i, w in enumerate(weights, 1):
                edge[i] += sign * w * whole

    def _add_at(self, at: tuple[int, tuple[Any, ...]], amounts: list[int]) -> None:
        """add_row by (bucket index, other keys): the key is built once per row, at flush."""
        sums = self._at.get(at)
        if sums is None:
            self._at[at] = amounts
        else:
            for i, amount in enumerate(amounts):
                sums[i] += amount

    def _key(self, index: int, rest: tuple[Any, ...]) -> tuple[Any, ...]:
        at, step = self._bucket_at
        return (*rest[:at], bucket_start(index, step), *rest[at:])

    def _expand_runs(self) -> None:
        for rest, edges in self._runs.items():
            running = [0] * len(next(iter(edges.values())))
            indexes = sorted(edges)
            for index, following in zip(indexes, [*indexes[1:], None], strict=True):
                running = [r + d for r, d in zip(running, edges[index], strict=True)]
                if running[0] > 0 and following is not None:
                    for bucket in range(index, following):
                        self.add_row(self._key(bucket, rest), running[1:])
        self._runs = {}

    def settle(self) -> None:
        """Turn the page's partial buckets and runs into rows of `sums`."""
        for (index, rest), amounts in self._at.items():
            self.add_row(self._key(index, rest), amounts)
        self._at = {}
        self._expand_runs()

    async def flush(self, conn: asyncpg.Connection, batch: Batch) -> None:
        self.settle()
        await self._write(conn, self.sums, batch)
        self.reset()

    def carry(self) -> None:
        """Keep the settled sums of a committed page, to write later with other pages'."""
        carried = self.carried
        for key, amounts in self.sums.items():
            sums = carried.get(key)
            if sums is None:
                carried[key] = amounts
            else:
                for i, amount in enumerate(amounts):
                    sums[i] += amount
        self.sums = {}

    async def write_carried(self, conn: asyncpg.Connection, batch: Batch) -> None:
        await self._write(conn, self.carried, batch)
        self.carried = {}

    async def _write(
        self, conn: asyncpg.Connection, sums: dict[tuple[Any, ...], list[int]], batch: Batch
    ) -> None:
        if sums:
            await self.upsert.write(conn, [(*k, *v) for k, v in sums.items()], batch)

    def reset(self) -> None:
        """Forget the page's sums (not those carried from committed pages)."""
        self.sums, self._runs, self._at = {}, {}, {}
