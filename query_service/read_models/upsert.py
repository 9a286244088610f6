"""Writing rows back: one statement per table and page, whatever the number of rows."""

from __future__ import annotations

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
