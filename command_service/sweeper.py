"""Hold-expiry sweeper: appends HoldExpired for holds past expires_at.

Expired holds stop blocking at once (the domain compares expires_at with now); the
sweeper only records the fact. One replica sweeps: it holds a session advisory lock on a
dedicated connection, and a standby takes over when that connection dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid

import asyncpg
import structlog

from command_service import metrics
from command_service.application.handler import CommandContext, CommandHandler
from command_service.domain import commands as cmd
from command_service.domain.errors import DomainError
from shared.clock import Clock

log = structlog.get_logger("command_service.sweeper")
_LEADER_LOCK = 0x466C_6877  # advisory lock key of the sweeper leader
BATCH = 200


class HoldSweeper:
    """Leader-elected loop that expires holds through the normal command path."""

    def __init__(
        self, dsn: str, pool: asyncpg.Pool, handler: CommandHandler, clock: Clock, interval_s: float
    ) -> None:
        self._dsn, self._pool, self._handler = dsn, pool, handler
        self._clock, self._interval = clock, interval_s
        self._leader_conn: asyncpg.Connection | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def is_leader(self) -> bool:
        return self._leader_conn is not None and not self._leader_conn.is_closed()

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="hold-sweeper")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._leader_conn is not None:
            await self._leader_conn.close()

    async def _loop(self) -> None:
        while True:
            try:
                if await self._lead():
                    await self.sweep_once()
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("sweeper_error", error=type(exc).__name__, detail=str(exc))
                self._leader_conn = None
            await asyncio.sleep(self._interval)

    async def _lead(self) -> bool:
        if self.is_leader:
            return True
        conn = await asyncpg.connect(self._dsn)
        try:
            leader = await conn.fetchval("SELECT pg_try_advisory_lock($1)", _LEADER_LOCK)
        except BaseException:  # cancelled or failed mid-election: do not leak the socket
            conn.terminate()
            raise
        if leader:
            self._leader_conn = conn
            log.info("sweeper_leader_elected")
            return True
        await conn.close()
        return False

    async def sweep_once(self) -> int:
        """Expire every hold past its expiry now; returns how many were expired."""
        due = await self._pool.fetch(
            "SELECT hold_id FROM open_holds WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2",
            self._clock(),
            BATCH,
        )
        expired = 0
        for row in due:
            ctx = CommandContext(
                correlation_id=f"sweep-{uuid.uuid4().hex}",
                causation_id="hold-sweeper",
                actor="system:hold-sweeper",
            )
            try:
                await self._handler.on_entity(
                    row["hold_id"],
                    "hold",
                    cmd.ExpireHold(hold_id=row["hold_id"]),
                    ctx,
                    lambda _e, _s: {},
                )
                expired += 1
            except DomainError as exc:  # resolved meanwhile: nothing to record
                log.info("hold_not_expired", hold_id=str(row["hold_id"]), reason=exc.detail)
        if expired:
            metrics.HOLDS_EXPIRED.inc(expired)
            log.info("holds_expired", count=expired)
        return expired
