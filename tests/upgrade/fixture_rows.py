"""The upgrade fixture's format: which command-database rows it holds, dumped and restored raw.

A fixture is gzipped JSON lines: one header object (the release, its migrations, the
accounts and the answers it gave), then one `{"table": ..., "row": ...}` per row, each row
exactly as PostgreSQL's `to_jsonb` renders it in UTC. Restoring inserts every column
back unchanged (identity columns included), so the restored rows are the stored rows.

Left out on purpose: `signing_keys` (private keys are never committed; the upgraded
service makes its own and everyone signs in again), `refresh_tokens` (the old run's
sessions), `auth_throttle` (counters of a past minute) and `schema_migrations` (the
header names the migrations; applying them writes that table).

This module is imported by the generator too, which runs on the OLD release's tree, so
it depends on asyncpg and the standard library only.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

# In restore order (role_changes names users).
TABLES = (
    "users",
    "role_changes",
    "token_revocations",
    "events",
    "vehicle_state",
    "vehicle_vins",
    "vehicle_plates",
    "entity_index",
    "calendar_blocks",
    "open_holds",
    "idempotency_keys",
    "relay_checkpoint",
    "dev_clock",
)
FORMAT = 1


@dataclass(frozen=True)
class Fixture:
    """A fixture read back: its header and its rows by table, in dump order."""

    header: dict[str, Any]
    rows: dict[str, list[dict[str, Any]]]

    @property
    def events(self) -> list[dict[str, Any]]:
        return self.rows["events"]


async def utc(conn: asyncpg.Connection) -> asyncpg.Connection:
    """`conn`, rendering timestamps in UTC (to_jsonb follows the session time zone)."""
    await conn.execute("SET TIME ZONE 'UTC'")
    return conn


async def _order_by(conn: asyncpg.Connection, table: str) -> str:
    """The table's primary-key columns, else every column: a stable dump order."""
    keys = await conn.fetch(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a"
        " ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)"
        " WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY a.attnum",
        table,
    )
    return ", ".join(f'"{k[0]}"' for k in keys) or "to_jsonb(t)::text"


async def dump(conn: asyncpg.Connection) -> list[tuple[str, dict[str, Any]]]:
    """(table, row) for every row of every fixture table, in a stable order."""
    await utc(conn)
    found: list[tuple[str, dict[str, Any]]] = []
    for table in TABLES:
        order = await _order_by(conn, table)
        sql = f"SELECT to_jsonb(t)::text FROM {table} AS t ORDER BY {order}"
        found += [(table, json.loads(text)) for (text,) in await conn.fetch(sql)]
    return found


def write(path: Path, header: dict[str, Any], rows: list[tuple[str, dict[str, Any]]]) -> int:
    """Write the fixture; returns the number of rows."""
    count = 0
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.write(json.dumps({"format": FORMAT, **header}, sort_keys=True) + "\n")
        for table, row in rows:
            out.write(json.dumps({"table": table, "row": row}, sort_keys=True) + "\n")
            count += 1
    return count


def read(path: Path) -> Fixture:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        header = json.loads(next(lines))
        assert header["format"] == FORMAT, header["format"]
        rows: dict[str, list[dict[str, Any]]] = {table: [] for table in TABLES}
        for line in lines:
            item = json.loads(line)
            rows[item["table"]].append(item["row"])
    return Fixture(header, rows)


async def _insertable(conn: asyncpg.Connection, table: str) -> list[str]:
    """Columns a restore writes: all but generated ones (PostgreSQL computes those)."""
    rows = await conn.fetch(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public'"
        " AND table_name = $1 AND is_generated = 'NEVER' ORDER BY ordinal_position",
        table,
    )
    return [r[0] for r in rows]


async def restore(conn: asyncpg.Connection, fixture: Fixture) -> None:
    """Insert every row as it was, then move each sequence past the restored values."""
    await utc(conn)
    async with conn.transaction():
        for table in TABLES:
            await conn.execute(f"DELETE FROM {table}")  # what the migrations seeded
            columns = ", ".join(f'"{c}"' for c in await _insertable(conn, table))
            insert = (
                f"INSERT INTO {table} ({columns}) OVERRIDING SYSTEM VALUE"
                f" SELECT {columns} FROM jsonb_populate_record(NULL::{table}, $1::jsonb)"
            )
            for row in fixture.rows[table]:
                await conn.execute(insert, json.dumps(row))
            await _advance_sequences(conn, table)


async def _advance_sequences(conn: asyncpg.Connection, table: str) -> None:
    columns = await conn.fetch(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public'"
        " AND table_name = $1 AND pg_get_serial_sequence($1, column_name) IS NOT NULL",
        table,
    )
    for (column,) in columns:
        await conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
            f" coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)"
        )


async def burn_transaction_ids(conn: asyncpg.Connection, fixture: Fixture) -> int:
    """Move this cluster's transaction counter past every restored `transaction_id`.

    The relay and the catch-up feed read only rows whose transaction_id lies below the
    snapshot's xmin (DESIGN §3a). Restored rows keep the ids of the cluster that wrote
    them; on a younger cluster they would look like transactions still running and stay
    unpublished until the counter got there. Returns the transactions spent.
    """
    ids = [int(row["transaction_id"]) for row in fixture.events]
    ids += [int(row["transaction_id"]) for row in fixture.rows["relay_checkpoint"]]
    target, spent = max(ids, default=0), 0
    while int(await conn.fetchval("SELECT pg_current_xact_id()::text")) <= target:
        spent += 1
    return spent
