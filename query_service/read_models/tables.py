"""A page's write-back buffers: keyed rows folded in Python, and additive bucket sums.

A page loads the rows its events touch (one SELECT per table), folds every event into
them in memory, then writes each table back with one statement: an `unnest` upsert of
the final rows, a `DELETE` of the removed ones, and for bucket tables an `unnest` upsert
that adds the summed deltas (additions commute, so summing first gives the same rows as
one upsert per event).
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

Row = dict[str, Any]
# Called with (kind, id) when a row of a table that names a change kind changes.
OnChange = Callable[[str, UUID], None]

# Column names and SQL types of a table, in the order of its definition; generated
# columns are the database's to write.
_COLUMNS = (
    "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute"
    " WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''"
    " ORDER BY attnum"
)


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
    spans cover each bucket whole from this one on), not as one row per bucket."""

    table: str
    keys: tuple[str, ...]
    bucket: tuple[str, timedelta] | None = None
    edges: bool = False


async def columns_of(conn: asyncpg.Connection, table: str) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in await conn.fetch(_COLUMNS, table)]


class Upsert:
    """Writes rows into a table with one conflict rule, whatever their number.

    A few rows go as one `INSERT … SELECT FROM unnest($n::type[]) … ON CONFLICT`. Many go
    by binary COPY into a temporary staging table, then one `INSERT … SELECT … ON
    CONFLICT`: asyncpg checks every element of an array parameter against the
    collections ABCs, one of the largest items in a cProfile of the rebuild.

    The stage is `ON COMMIT DELETE ROWS`: the commit truncates it. Emptied by DELETE
    alone it kept every page it ever had (autovacuum never visits temporary tables, and
    without a vacuum no page is reused), so each move scanned the dead rows of all
    earlier ones: a cost that grew with the connection's history (docs/benchmarks.md,
    "Soak"). The DELETE stays, so a second write in the same transaction starts empty."""

    def __init__(self, table: str, columns: Sequence[tuple[str, str]], conflict: str) -> None:
        names = ", ".join(name for name, _ in columns)
        self.table, self.stage = table, f"stage_{table}"
        self.columns = [name for name, _ in columns]
        args = ", ".join(f"${i}::{kind}[]" for i, (_, kind) in enumerate(columns, 1))
        head = f"INSERT INTO {table} AS t ({names})"
        self._unnest = f"{head} SELECT * FROM unnest({args}) {conflict}"
        # Moves the staged rows: the stage is empty again in the same statement.
        self._from_stage = (
            f"WITH staged AS (DELETE FROM {self.stage} RETURNING *)"
            f" {head} SELECT {names} FROM staged {conflict}"
        )
        self._create_stage = (
            f"CREATE TEMP TABLE IF NOT EXISTS {self.stage} (LIKE {table}) ON COMMIT DELETE ROWS"
        )

    async def prepare(self, conn: asyncpg.Connection) -> None:
        """Create the connection's staging table (outside any page's transaction)."""
        await conn.execute(self._create_stage)

    async def write(
        self, conn: asyncpg.Connection, rows: list[tuple[Any, ...]], new: bool = False
    ) -> None:
        """Write `rows` (tuples in column order) inside the caller's transaction; `new`:
        none of them can exist yet, so many go by COPY straight into the table."""
        # Outside a transaction the COPY into the stage would commit, and be truncated.
        assert conn.is_in_transaction(), "Upsert.write runs inside the page's transaction"
        if len(rows) < COPY_FROM:
            await conn.execute(self._unnest, *zip(*rows, strict=True))
            return
        if new:
            await conn.copy_records_to_table(self.table, records=rows, columns=self.columns)
            return
        await conn.copy_records_to_table(self.stage, records=rows, columns=self.columns)
        await conn.execute(self._from_stage)


# From this many rows a write goes through COPY (measured: bench.pipeline --only rebuild).
COPY_FROM = 64


class RowTable:
    """Rows of one table keyed by its uuid primary key: loaded, changed, written back."""

    def __init__(self, spec: Rows, columns: list[tuple[str, str]], on_change: OnChange) -> None:
        self.spec, self.columns, self._on_change = spec, columns, on_change
        table, key = spec.table, spec.key
        names = self._names = [name for name, _ in columns]
        updates = ", ".join(f"{n} = EXCLUDED.{n}" for n in names if n != key)
        self.upsert = Upsert(table, columns, f"ON CONFLICT ({key}) DO UPDATE SET {updates}")
        self._select = f"SELECT * FROM {table} WHERE {key} = ANY($1::uuid[])"
        self._delete = f"DELETE FROM {table} WHERE {key} = ANY($1::uuid[])"
        # Keyed by the uuid's integer: uuid.UUID hashes and compares in Python, which
        # showed in profiles of a rebuild (about 20 dictionary operations per event).
        self.rows: dict[int, Row] = {}
        self._dirty: set[int] = set()
        self._deleted: dict[int, UUID] = {}
        self._stored: set[int] = set()  # rows that exist in the table (loaded or deleted)

    async def load(self, conn: asyncpg.Connection, keys: Iterable[UUID]) -> None:
        """Read the stored rows of `keys` (those written by earlier pages)."""
        wanted = [k for k in keys if k.int not in self.rows]
        if wanted:
            for record in await conn.fetch(self._select, wanted):
                self.rows[record[self.spec.key].int] = dict(record)
                self._stored.add(record[self.spec.key].int)

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

    async def flush(self, conn: asyncpg.Connection) -> None:
        if self._deleted:
            await conn.execute(self._delete, list(self._deleted.values()))
        if self._dirty:
            values_of = operator.itemgetter(*self.upsert.columns)
            new = self._dirty - self._stored  # created by this page: COPY may insert them
            for keys, fresh in ((new, True), (self._dirty & self._stored, False)):
                if keys:
                    await self.upsert.write(conn, [values_of(self.rows[k]) for k in keys], fresh)
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

    async def flush(self, conn: asyncpg.Connection) -> None:
        for (index, rest), amounts in self._at.items():
            self.add_row(self._key(index, rest), amounts)
        self._expand_runs()
        if self.sums:
            await self.upsert.write(conn, [(*k, *v) for k, v in self.sums.items()])
        self.reset()

    def reset(self) -> None:
        self.sums, self._runs, self._at = {}, {}, {}
