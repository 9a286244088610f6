"""A page's write-back buffers: the table specs, and keyed rows folded in Python.

A page loads the rows its events touch (one statement for all tables), folds every event into
them in memory, then writes each table back: an `unnest` upsert of the final rows and a
`DELETE` of the removed ones; bucket tables add summed deltas instead (sum_table.py). The
page's writes go together as one statement (`upsert.Batch`), big ones by COPY.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

import asyncpg

from query_service.read_models.upsert import COPY_FROM, Batch, Upsert

Row = dict[str, Any]
# Called with (kind, id, the row before the change: None if there was none) just before a
# row of a table that names a change kind changes.
OnChange = Callable[[str, UUID, Row | None], None]


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
        self._changing(key, self.rows.get(key.int))
        row = dict.fromkeys(self._names)
        row.update(values)
        row[self.spec.key] = key
        self.rows[key.int] = row
        self._dirty.add(key.int)
        self._deleted.pop(key.int, None)

    def update(self, key: UUID, **values: Any) -> Row | None:
        """Set columns of an existing row (a missing row is left alone, like UPDATE)."""
        row = self.rows.get(key.int)
        if row is not None:
            self._changing(key, dict(row) if self.spec.kind is not None else None)
        return self.bump(key, **values)

    def bump(self, key: UUID, **values: Any) -> Row | None:
        """`update` for bookkeeping columns (version, updated_at): no change notice."""
        row = self.rows.get(key.int)
        if row is not None:
            row.update(values)
            self._dirty.add(key.int)
        return row

    def delete(self, key: UUID) -> bool:
        row = self.rows.pop(key.int, None)
        if row is None:
            return False
        self._changing(key, row)
        self._dirty.discard(key.int)
        self._deleted[key.int] = key
        return True

    def _changing(self, key: UUID, before: Row | None) -> None:
        if self.spec.kind is not None:
            self._on_change(self.spec.kind, key, before)

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
