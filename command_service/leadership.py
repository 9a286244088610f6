"""One leader across replicas: a session advisory lock held on a dedicated connection.

Whoever holds the lock leads; when its process or connection dies, PostgreSQL drops
the lock and the next standby that asks takes over within one of its polling periods.
"""

from __future__ import annotations

import asyncio
import contextlib
from abc import ABC, abstractmethod

import asyncpg
import structlog

from shared.kit.outages import describe, unexpected

log = structlog.get_logger("command_service.leadership")

SWEEPER_LOCK = 0x466C_6877
RELAY_LOCK = 0x466C_7265
PAYMENTS_LOCK = 0x466C_7061


class LeaderLock:
    """Try to lead; keep leading while the dedicated connection lives."""

    def __init__(self, dsn: str, key: int, role: str) -> None:
        self._dsn, self._key, self._role = dsn, key, role
        self._conn: asyncpg.Connection | None = None

    @property
    def connection(self) -> asyncpg.Connection | None:
        """The connection holding the lock: writes through it fail once leadership is lost."""
        return self._conn if self.is_leader else None

    @property
    def is_leader(self) -> bool:
        return self._conn is not None and not self._conn.is_closed()

    async def try_acquire(self) -> bool:
        """True when this replica leads (now or already)."""
        if self.is_leader:
            return True
        conn = await asyncpg.connect(self._dsn)
        try:
            won = await conn.fetchval("SELECT pg_try_advisory_lock($1)", self._key)
        except BaseException:  # cancelled or failed mid-election: do not leak the socket
            conn.terminate()
            raise
        if not won:
            await conn.close()
            return False
        self._conn = conn
        log.info("leader_elected", role=self._role)
        return True

    async def release(self) -> None:
        """Step down (closing the connection releases the lock)."""
        conn, self._conn = self._conn, None
        if conn is None or conn.is_closed():
            return
        try:
            await conn.close(timeout=2)
        except Exception:  # a connection broken by a server restart: just drop it
            conn.terminate()


class LeaderLoop(ABC):
    """A periodic job that one replica runs: every `interval_s`, the leader runs
    `run_once`; an error is logged and gives up leadership (another replica, or this one
    next round, takes over), and never ends the loop (shared/kit/outages.py)."""

    def __init__(self, dsn: str, key: int, role: str, interval_s: float) -> None:
        self._leader = LeaderLock(dsn, key, role)
        self._role, self._interval = role, interval_s
        self._task: asyncio.Task[None] | None = None

    @property
    def is_leader(self) -> bool:
        return self._leader.is_leader

    @abstractmethod
    async def run_once(self) -> int:
        """One round of the job; returns how much it did."""

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name=self._role)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._leader.release()

    async def _loop(self) -> None:
        while True:
            try:
                if await self._leader.try_acquire():
                    await self.run_once()
            except Exception as exc:  # never ends: see shared/kit/outages.py
                log.warning("leader_loop_error", role=self._role, error=describe(exc),
                            exc_info=unexpected(exc))  # fmt: skip
                await self._leader.release()
            await asyncio.sleep(self._interval)
