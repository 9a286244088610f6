"""The payment process manager: a leader-elected loop that takes every open payment its
next step (docs/payments.md, "The process manager").

Its progress is tracked per payment: the payment's own events (written with their
`payments` row in one transaction) say which money movements happened, and the vehicle's
events say what the booking did; the next step is a function of both (and of the clock,
for a no-show), so after a crash the manager resumes exactly where it stopped, repeating
at most the provider call whose answer it never recorded, under the same key.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import structlog

from command_service import metrics
from command_service.devclock import SimulatedClock
from command_service.leadership import PAYMENTS_LOCK, LeaderLoop
from command_service.payments import rules
from command_service.payments.facts import hold_story
from command_service.payments.provider import PaymentProviderError
from command_service.payments.steps import PaymentSteps
from shared.kit.clock import Clock
from shared.kit.outages import describe

log = structlog.get_logger("command_service.payments")
BATCH = 200
MAX_BACKOFF_S = 30.0
_DUE = """
SELECT payment_id, status, card_token, hourly_cents FROM payments
WHERE status IN ('started', 'authorized') AND next_attempt_at <= now()
ORDER BY next_attempt_at LIMIT $1
"""
_LATER = """
UPDATE payments SET attempts = attempts + 1,
    next_attempt_at = now() + make_interval(secs => least($2 * 2 ^ attempts, $3))
WHERE payment_id = $1
"""
# Nothing to do yet: to the back of the queue, so a long wait never starves the others.
_REQUEUE = "UPDATE payments SET next_attempt_at = now() WHERE payment_id = $1"


class PaymentManager(LeaderLoop):
    """Advances open payments; one replica leads (a session advisory lock)."""

    def __init__(
        self, dsn: str, steps: PaymentSteps, clock: Clock, interval_s: float, backoff_s: float = 0.5
    ) -> None:
        super().__init__(dsn, PAYMENTS_LOCK, "payment-manager", interval_s)
        self.steps, self._clock, self._backoff = steps, clock, backoff_s

    async def run_once(self) -> int:
        """Take every due payment one step; returns how many steps were taken."""
        pool: asyncpg.Pool = self.steps.pool
        if isinstance(self._clock, SimulatedClock):  # dev/demo: another worker may have moved it
            await self._clock.refresh(pool)
        taken = 0
        for row in await pool.fetch(_DUE, BATCH):
            try:
                taken += await self._advance(row)
            except PaymentProviderError as exc:  # the provider is down or refused: same key later
                call = "authorize" if row["status"] == "started" else "settle"
                metrics.PAYMENT_CALLS.labels(call, "error").inc()
                log.warning(
                    "payment_step_failed", payment_id=str(row["payment_id"]), error=describe(exc)
                )
                await pool.execute(_LATER, row["payment_id"], self._backoff, MAX_BACKOFF_S)
        return taken

    async def _advance(self, row: Any) -> int:
        """One step of one payment (0 when it has to wait)."""
        state = await self.steps.state(row["payment_id"])
        if state is None:
            return 0
        if state.status == "started" and row["status"] == "started":
            await self.steps.authorize(state, row["card_token"])
            return 1
        if state.status != "authorized":
            return 0
        started = state.started
        story = await hold_story(
            self.steps.pool, started.vehicle_id, started.hold_id, started.booking_id
        )
        if story is None:
            return 0
        step = rules.next_step(
            story, started.booking_id, started.amount_cents, row["hourly_cents"] or 0, self._clock()
        )
        if step == "confirm":
            return 1 if await self.steps.confirm(state) else 0
        if step == "wait":
            await self.steps.pool.execute(_REQUEUE, row["payment_id"])
            return 0
        await self.steps.settle(state, step)
        return 1
