"""Blue-green read models: each generation lives in its own schema; one is active.

`public.read_model_active` names the active schema. Readers use a pool whose
search_path points at it; a rebuild fills a fresh schema and swaps the pointer
(NOTIFY read_model_swap), after which every process rebinds its pool. SQL elsewhere
uses unqualified table names and never needs to know which generation it runs on.

Each generation is labelled with a fingerprint of the DDL it was made from. A service that
starts on a generation of other DDL (an upgrade changed the read models) activates a fresh
empty one; the feed healer then refills it from the start of the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import re
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import structlog

from query_service.store.row_security import (
    POLICY_FILE,
    ReaderConnection,
    become_reader,
    secure_schema,
)
from shared.kit import loop
from shared.kit.pg import Turns, init_connection

log = structlog.get_logger("query_service.schemas")
_DDL = [
    Path(__file__).with_name(f)
    for f in (
        "read_models.sql",
        "analytics.sql",
        "locations.sql",
        "pricing.sql",
        "payments.sql",
        "tracking.sql",
    )
]
_FINGERPRINT = hashlib.sha256(b"".join(f.read_bytes() for f in (*_DDL, POLICY_FILE))).hexdigest()[
    :16
]
# A secondary index's statement in the DDL files (primary keys live in CREATE TABLE).
_INDEX = re.compile(r"^CREATE INDEX\b[^;]*;", re.MULTILINE)
_VALID = re.compile(r"^rm_[a-z0-9_]{1,40}$")
SWAP_CHANNEL = "read_model_swap"
UNFINISHED = "unfinished"  # the label of a generation a rebuild is still filling


def new_schema_name() -> str:
    return "rm_" + datetime.now(UTC).strftime("%Y%m%d_%H%M%S_%f")


def _checked(name: str) -> str:
    if not _VALID.match(name):
        raise ValueError(f"not a read-model schema name: {name!r}")
    return name


async def connect(dsn: str, schema: str) -> asyncpg.Connection:
    """A single connection bound to a read-model schema (consumer, rebuild)."""
    conn = await asyncpg.connect(dsn, server_settings={"search_path": f"{_checked(schema)}"})
    await init_connection(conn)
    return conn


async def ensure_pointer(conn: asyncpg.Connection) -> str:
    """The active schema, creating the first generation on a fresh database."""
    await conn.execute("SELECT pg_advisory_lock(4711)")
    try:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS public.read_model_active ("
            " singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),"
            " schema_name text NOT NULL, activated_at timestamptz NOT NULL DEFAULT now())"
        )
        active = await conn.fetchval("SELECT schema_name FROM public.read_model_active")
        if active is not None and await _fingerprint(conn, active) == _FINGERPRINT:
            return str(active)
        if active is not None:
            log.warning("read_models_changed", replaced=active, hint="the healer refills")
        fresh = new_schema_name()
        await create_schema(conn, fresh)
        await conn.execute(
            "INSERT INTO public.read_model_active (schema_name) VALUES ($1)"
            " ON CONFLICT (singleton) DO UPDATE SET schema_name = $1, activated_at = now()",
            fresh,
        )
        await conn.execute(f"NOTIFY {SWAP_CHANNEL}")
        return fresh
    finally:
        await conn.execute("SELECT pg_advisory_unlock(4711)")


async def create_schema(conn: asyncpg.Connection, name: str, indexes: bool = True) -> None:
    """A new, empty generation of the read models. Without `indexes` it is unfinished:
    its secondary indexes wait for `finish` (a rebuild builds them once, after the
    replay, which is much cheaper than maintaining them row by row), and until then it
    is labelled `UNFINISHED` instead of with its DDL's fingerprint."""
    async with conn.transaction():
        await conn.execute(f"CREATE SCHEMA {_checked(name)}")
        await conn.execute(f"SET LOCAL search_path TO {name}")
        for ddl in _DDL:
            text = ddl.read_text()
            await conn.execute(text if indexes else _INDEX.sub("", text))
        await secure_schema(conn, name)
        await _label(conn, name, _FINGERPRINT if indexes else UNFINISHED)


async def finish(conn: asyncpg.Connection, dsn: str, name: str, connections: int = 1) -> None:
    """Complete a generation created without indexes: its secondary indexes, statistics
    for the planner and a visibility map for index-only scans (the availability query's
    covering GiST index), then its fingerprint.

    Each CREATE INDEX and VACUUM keeps one core busy, so `connections` of them run side
    by side (a rebuild's processes, sized to the machine), the dearest first (`_cost`):
    run one at a time they took a quarter of a rebuild with one core of two idle. Nothing
    needs them in one transaction: until it is labelled, the generation is unfinished and
    a failed rebuild drops it."""
    rows = await conn.fetch(
        "SELECT tablename, pg_relation_size(format('%I.%I', schemaname, tablename))"
        " FROM pg_tables WHERE schemaname = $1",
        name,
    )
    sizes: dict[str, int] = {row[0]: row[1] for row in rows}
    indexes = [s for ddl in _DDL for s in _INDEX.findall(ddl.read_text())]
    await side_by_side(dsn, name, connections, sorted(indexes, key=lambda s: _cost(s, sizes)))
    tables = sorted(sizes, key=lambda table: -sizes[table])
    await side_by_side(dsn, name, connections, [f'VACUUM (ANALYZE) "{t}"' for t in tables])
    await _label(conn, name, _FINGERPRINT)


_INDEXED = re.compile(r"\bON (\w+)")  # the table of a CREATE INDEX statement


def _cost(statement: str, sizes: dict[str, int]) -> tuple[bool, int]:
    """The order to build indexes in, dearest first: GiST ones (built by inserting row by
    row: 1.7 s over the pipeline benchmark's calendar, where a B-tree on the same table
    took under 0.1 s), then by their table's size."""
    table = _INDEXED.search(statement)
    assert table is not None, statement
    return "USING gist" not in statement, -sizes[table[1]]


async def side_by_side(dsn: str, name: str, connections: int, statements: list[str]) -> None:
    """Run `statements` in generation `name` on `connections` connections, each taking the
    next one in order as soon as it is free."""
    waiting = iter(statements)

    async def work() -> None:
        conn = await connect(dsn, name)
        try:
            for statement in waiting:  # shared: each statement goes to one connection
                await conn.execute(statement)
        finally:
            await conn.close()

    async with loop.task_group() as group:
        for _ in range(min(connections, len(statements))):
            group.create_task(work())


async def _label(conn: asyncpg.Connection, name: str, label: str) -> None:
    await conn.execute(f"COMMENT ON SCHEMA {_checked(name)} IS '{label}'")


async def generations(conn: asyncpg.Connection) -> list[tuple[str, str | None]]:
    """Every generation with its label (a fingerprint, or `UNFINISHED`), newest first."""
    rows = await conn.fetch(
        "SELECT nspname, obj_description(oid, 'pg_namespace') AS label FROM pg_namespace"
        " WHERE nspname LIKE 'rm\\_%' ORDER BY nspname DESC"
    )
    return [(row["nspname"], row["label"]) for row in rows]


async def _fingerprint(conn: asyncpg.Connection, schema: str) -> str | None:
    """The DDL fingerprint a generation was created with."""
    value = await conn.fetchval(
        "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = $1",
        schema,
    )
    return None if value is None else str(value)


async def activate(conn: asyncpg.Connection, name: str) -> str | None:
    """Make `name` the active generation; returns the one it replaced."""
    async with conn.transaction():
        old = await conn.fetchval("SELECT schema_name FROM public.read_model_active FOR UPDATE")
        await conn.execute(
            "UPDATE public.read_model_active SET schema_name = $1, activated_at = now()",
            _checked(name),
        )
        await conn.execute(f"NOTIFY {SWAP_CHANNEL}")
    return None if old is None else str(old)


class ReadModelDatabase:
    """The query database seen through the active generation's schema, in two pools: the
    readers' (the API's reads of read models, under row-level security) and the owner's
    (bookkeeping: tracked versions, readiness).

    `turns` bounds the readers' statements in flight to `read_concurrency`, waiting
    callers served in arrival order (`Turns`).
    """

    def __init__(self, dsn: str, pool_min: int, pool_max: int, read_concurrency: int) -> None:
        self.dsn, self._min, self._max = dsn, pool_min, pool_max
        self.turns = Turns(read_concurrency, pool_max)
        self.active_schema = ""
        self._pool: asyncpg.Pool | None = None
        self._readers: asyncpg.Pool | None = None
        self._listener: asyncpg.Connection | None = None
        self._rebinding: asyncio.Task[None] | None = None

    @property
    def pool(self) -> asyncpg.Pool:
        """The owner's pool: bookkeeping reads, never read models."""
        assert self._pool is not None, "ReadModelDatabase.start() not awaited"
        return self._pool

    @property
    def readers(self) -> asyncpg.Pool:
        """The readers' pool (store/row_security.py): every read of a read model."""
        assert self._readers is not None, "ReadModelDatabase.start() not awaited"
        return self._readers

    async def start(self) -> None:
        conn = await asyncpg.connect(self.dsn)
        try:
            schema = await ensure_pointer(conn)
        finally:
            await conn.close()
        await self._bind(schema)
        self._listener = await asyncpg.connect(self.dsn)
        await self._listener.add_listener(SWAP_CHANNEL, self._on_swap)

    async def _bind(self, schema: str) -> None:
        owner = await bound_pool(self.dsn, schema, 1, OWNER_POOL_MAX)
        try:
            readers = await bound_pool(self.dsn, schema, self._min, self._max, readers=True)
        except BaseException:
            await owner.close()
            raise
        old = (self._pool, self._readers)
        self._pool, self._readers, self.active_schema = owner, readers, schema
        for pool in old:
            if pool is not None:
                await pool.close()
        log.info("read_models_bound", schema=schema)

    def _on_swap(self, *_: object) -> None:
        self._rebinding = asyncio.get_running_loop().create_task(self.refresh())

    async def refresh(self) -> None:
        """Rebind to the active generation if it changed."""
        schema = await self.pool.fetchval("SELECT schema_name FROM public.read_model_active")
        if schema and schema != self.active_schema:
            await self._bind(str(schema))

    async def close(self) -> None:
        if self._rebinding is not None:
            with contextlib.suppress(Exception):
                await self._rebinding
        if self._listener is not None:
            await self._listener.close()
        for pool in (self._pool, self._readers):
            if pool is not None:
                await pool.close()


OWNER_POOL_MAX = 4  # short bookkeeping reads (a consistency token's version, readiness)


async def bound_pool(
    dsn: str, schema: str, min_size: int, max_size: int, readers: bool = False
) -> asyncpg.Pool:
    """A pool on `schema`; with `readers`, of connections that read as fleet_reader, only
    read, and know the organization they read in (store/row_security.py)."""

    async def init(conn: asyncpg.Connection) -> None:
        await init_connection(conn)
        if readers:
            await become_reader(conn)

    return await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=init,
        # Nothing but a reader's role and scope is session state, and those must stay:
        # a released connection needs no RESET ALL round trip.
        reset=_keep_session,
        connection_class=ReaderConnection if readers else asyncpg.Connection,
        server_settings={
            "search_path": _checked(schema),
            "statement_timeout": "10s",
            # The read models live in memory (shared buffers, page cache): a random
            # page costs about what a sequential one does. At the default (4) the
            # planner sorted all of an organization's vehicles for an availability
            # page rather than walk the index that stops with it: 3.2 against 0.7 ms.
            "random_page_cost": "1.1",
            "application_name": "fleet-query-readers" if readers else "fleet-query",
            **({"default_transaction_read_only": "on"} if readers else {}),
        },
    )


async def _keep_session(conn: asyncpg.Connection) -> None:
    """The pool's reset: none beyond asyncpg's own (an open transaction is rolled back)."""
