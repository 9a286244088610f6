"""One leader across replicas: a session advisory lock held on a dedicated connection.

Whoever holds the lock leads; when its process or connection dies, PostgreSQL drops
the lock and the next standby that asks takes over within one of its polling periods.
"""

from __future__ import annotations

import asyncpg
import structlog

log = structlog.get_logger("command_service.leadership")

SWEEPER_LOCK = 0x466C_6877
RELAY_LOCK = 0x466C_7265


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
