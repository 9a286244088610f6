"""Writing rows back: one statement per page for its small writes, COPY for big ones."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

import asyncpg

# Column names and SQL types of a table, in the order of its definition; generated
# columns are the database's to write.
_COLUMNS = (
    "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute"
    " WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''"
    " ORDER BY attnum"
)


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
        # Run once per connection, outside any page's transaction (Page.create).
        self.create_stage = (
            f"CREATE TEMP TABLE IF NOT EXISTS {self.stage} (LIKE {table}) ON COMMIT DELETE ROWS"
        )

    async def write(
        self,
        conn: asyncpg.Connection,
        rows: list[tuple[Any, ...]],
        batch: Batch,
        new: bool = False,
    ) -> None:
        """Write `rows` (tuples in column order) inside the caller's transaction: a few
        join `batch`, many go by COPY now; `new`: none of them can exist yet, so many go
        by COPY straight into the table."""
        # Outside a transaction the COPY into the stage would commit, and be truncated.
        assert conn.is_in_transaction(), "Upsert.write runs inside the page's transaction"
        if len(rows) < COPY_FROM:
            batch.add(self._unnest, list(zip(*rows, strict=True)))
            return
        if new:
            await conn.copy_records_to_table(self.table, records=rows, columns=self.columns)
            return
        await conn.copy_records_to_table(self.stage, records=rows, columns=self.columns)
        await conn.execute(self._from_stage)


# From this many rows a write goes through COPY (measured: bench.pipeline --only rebuild).
COPY_FROM = 64


class Batch:
    """A page's small writes, sent as one statement: each write a data-modifying CTE of
    `WITH w0 AS (…), w1 AS (…) SELECT …`, so a page costs one round trip to write back
    instead of one per table (a booking's page wrote nine tables, docs/benchmarks.md).

    The CTEs of one statement see the same snapshot and run in no set order, so no two
    writes of a batch may touch the same row: each table writes a key once per page
    (upserted or deleted), and the read-model tables have no unique constraint but their
    primary keys, no foreign key and no trigger."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._args: list[Any] = []

    def add(self, sql: str, args: Sequence[Any]) -> None:
        """A statement whose parameters are `$1..$n`, `args` in that order."""
        self._parts.append(sql)
        self._args.extend(args)

    async def send(
        self, conn: asyncpg.Connection, last: str = "SELECT 1", args: Sequence[Any] = ()
    ) -> None:
        """Run the writes and then `last` (a query of its own, parameters `$1..$n`)."""
        if not self._parts and not args:
            return
        sql = batched_statement(tuple(self._parts), last)
        all_args = [*self._args, *args]
        self._parts, self._args = [], []
        await conn.execute(sql, *all_args)


_PARAMETER = re.compile(r"\$(\d+)")


@functools.lru_cache(maxsize=512)  # a statement per combination of tables a page writes
def batched_statement(parts: tuple[str, ...], last: str) -> str:
    """One statement of `parts` then `last`, their parameters numbered in turn."""
    offset, renumbered = 0, []
    for part in (*parts, last):
        pieces = _PARAMETER.split(part)  # text, number, text, number, …, text
        numbers = [int(n) for n in pieces[1::2]]
        pieces[1::2] = [f"${n + offset}" for n in numbers]
        renumbered.append("".join(pieces))
        offset += max(numbers, default=0)
    *writes, main = renumbered
    if not writes:
        return main
    ctes = ", ".join(f"w{i} AS ({write})" for i, write in enumerate(writes))
    return f"WITH {ctes} {main}"
