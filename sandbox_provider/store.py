"""The provider's state: one SQLite file (WAL), used from one thread, a transaction per call.

Every write runs as `BEGIN IMMEDIATE … COMMIT` on a single dedicated thread, so two
requests never interleave inside the provider, and a crash mid-request leaves the
previous state (SQLite rolls back the unfinished transaction from the WAL).
"""

from __future__ import annotations

import asyncio
import secrets
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import structlog

T = TypeVar("T")
log = structlog.get_logger("sandbox.store")

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS authorizations (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    currency TEXT NOT NULL,
    card_token TEXT NOT NULL,
    reference TEXT NOT NULL,
    metadata TEXT NOT NULL,
    captured_cents INTEGER NOT NULL DEFAULT 0,
    refunded_cents INTEGER NOT NULL DEFAULT 0,
    voided_cents INTEGER NOT NULL DEFAULT 0,
    decline_code TEXT,
    decide_at REAL,
    children INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS authorizations_pending ON authorizations (decide_at)
    WHERE status = 'pending';
CREATE TABLE IF NOT EXISTS refunds (
    id TEXT PRIMARY KEY,
    authorization_id TEXT NOT NULL REFERENCES authorizations (id),
    amount_cents INTEGER NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ledger (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    entry_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    authorization_id TEXT NOT NULL REFERENCES authorizations (id),
    refund_id TEXT,
    amount_cents INTEGER NOT NULL,
    currency TEXT NOT NULL,
    reference TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL,
    body BLOB NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    body BLOB NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt REAL NOT NULL,
    delivered_at REAL,
    given_up INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (next_attempt)
    WHERE delivered_at IS NULL AND given_up = 0;
"""


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")  # money: an answered request survives power loss
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=5000")
    conn.executescript(SCHEMA)
    return conn


def _seed(conn: sqlite3.Connection, configured: str) -> str:
    """The seed the state was created with (a new state: `configured`, else a random one);
    ids already handed out came from it, so a different `configured` does not replace it."""
    row = conn.execute("SELECT value FROM meta WHERE name = 'seed'").fetchone()
    if row is None:
        seed = configured or secrets.token_hex(16)
        conn.execute("INSERT INTO meta (name, value) VALUES ('seed', ?)", (seed,))
        return seed
    if configured and configured != row["value"]:
        log.warning("sandbox_seed_kept", reason="the state was created with another seed")
    return str(row["value"])


class Store:
    """The SQLite file behind one thread; `write` and `read` run a function in a transaction."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-db")
        self._conn: sqlite3.Connection | None = None

    async def open(self, configured_seed: str) -> str:
        """Open (creating) the file and return the seed of its state."""

        def opening() -> str:
            self._conn = _connect(self.path)
            return _seed(self._conn, configured_seed)

        return await self._call(opening)

    async def close(self) -> None:
        if self._conn is not None:
            await self._call(self._conn.close)
        self._executor.shutdown(wait=True)

    async def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """`fn` in one immediate (write-locked) transaction: all of it or none."""
        return await self._call(lambda: self._transaction(fn, "BEGIN IMMEDIATE"))

    async def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """`fn` in one read transaction (a consistent snapshot)."""
        return await self._call(lambda: self._transaction(fn, "BEGIN"))

    def _transaction(self, fn: Callable[[sqlite3.Connection], T], begin: str) -> T:
        conn = self._conn
        assert conn is not None, "store not open"
        conn.execute(begin)
        try:
            result = fn(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return result

    async def _call(self, fn: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn)
