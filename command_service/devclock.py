"""The simulated clock of dev/demo mode: a `Clock` whose now lives in the database.

Bookings must start in the future and trips happen inside their window, so a simulator
that wants days of history moves time forward itself (PUT /v1/dev/clock). Settings
refuse this clock in production. Every worker process keeps the last value it saw and
refreshes it from the single-row `dev_clock` table before each command and each sweep;
the value only moves forward. While the table is empty the clock reads real time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

from command_service.domain.errors import DomainError
from shared.kit.clock import Clock, system_clock

_ADVANCE = """
INSERT INTO dev_clock (singleton, now) VALUES (true, $1)
ON CONFLICT (singleton) DO UPDATE SET now = EXCLUDED.now, updated_at = clock_timestamp()
    WHERE dev_clock.now <= EXCLUDED.now
RETURNING now
"""


class Queryable(Protocol):
    """An asyncpg connection or pool: anything that can fetch one value."""

    async def fetchval(self, query: str, *args: Any) -> Any: ...


class ClockWouldGoBackwardsError(DomainError):
    """The simulated clock only moves forward."""


class SimulatedClock:
    """Callable like `shared.kit.clock.Clock`; returns the last value loaded or set."""

    def __init__(self, start: Clock = system_clock) -> None:
        self._start = start  # read while the table is still empty
        self._now: datetime | None = None

    def __call__(self) -> datetime:
        return self._now if self._now is not None else self._start()

    def _observe(self, value: datetime) -> datetime:
        if self._now is None or value > self._now:
            self._now = value
        return self()

    async def refresh(self, conn: Queryable) -> datetime:
        """Load the shared value (never moving this process's clock backwards)."""
        stored: datetime | None = await conn.fetchval("SELECT now FROM dev_clock")
        return self() if stored is None else self._observe(stored)

    async def advance(self, conn: Queryable, to: datetime) -> datetime:
        """Move the shared clock forward to `to`; refuses to go backwards."""
        target = to.astimezone(UTC)
        current = await self.refresh(conn)
        if target < current:
            raise ClockWouldGoBackwardsError(
                f"the clock reads {current.isoformat()}; {target.isoformat()} lies before it"
            )
        stored: datetime | None = await conn.fetchval(_ADVANCE, target)
        if stored is None:  # another worker moved it further meanwhile
            current = await self.refresh(conn)
            raise ClockWouldGoBackwardsError(
                f"the clock reads {current.isoformat()}; {target.isoformat()} lies before it"
            )
        return self._observe(stored)
