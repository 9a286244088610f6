"""Hold-expiry sweeper: appends HoldExpired for holds past expires_at.

Expired holds stop blocking at once (the domain compares expires_at with now); the
sweeper only records the fact, as the system, for the holds of every organization. One
replica sweeps: it holds a session advisory lock on a dedicated connection, and a standby
takes over when that connection dies.
"""

from __future__ import annotations

import uuid

import asyncpg
import structlog

from command_service import metrics
from command_service.application.handler import CommandContext, CommandHandler
from command_service.devclock import SimulatedClock
from command_service.domain import commands as cmd
from command_service.domain.errors import DomainError
from command_service.leadership import SWEEPER_LOCK, LeaderLoop
from shared.kit.clock import Clock

log = structlog.get_logger("command_service.sweeper")
BATCH = 200


class HoldSweeper(LeaderLoop):
    """Leader-elected loop that expires holds through the normal command path."""

    def __init__(
        self, dsn: str, pool: asyncpg.Pool, handler: CommandHandler, clock: Clock, interval_s: float
    ) -> None:
        super().__init__(dsn, SWEEPER_LOCK, "hold-sweeper", interval_s)
        self._pool, self._handler, self._clock = pool, handler, clock

    async def run_once(self) -> int:
        return await self.sweep_once()

    async def sweep_once(self) -> int:
        """Expire every hold past its expiry now; returns how many were expired."""
        if isinstance(self._clock, SimulatedClock):  # dev/demo: another worker may have moved it
            await self._clock.refresh(self._pool)
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
                    row["hold_id"], "hold", cmd.ExpireHold(hold_id=row["hold_id"]), ctx
                )
                expired += 1
            except DomainError as exc:  # resolved meanwhile: nothing to record
                log.info("hold_not_expired", hold_id=str(row["hold_id"]), reason=exc.detail)
        if expired:
            metrics.HOLDS_EXPIRED.inc(expired)
            log.info("holds_expired", count=expired)
        return expired
