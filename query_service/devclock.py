"""The query service's side of the simulated clock (dev/demo only).

In demo mode the command service decides against a simulated now that a simulator moves
forward. Read-time figures (no-shows, running trips, days since service, expired holds)
must use that same now, so this clock follows the command service's GET /v1/dev/clock,
signed in with the feed account, and reads the system clock until the first answer.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

import httpx
import structlog

from shared.contract.serialization import loads
from shared.kit.auth.client import Credentials, SignedIn
from shared.kit.clock import Clock, system_clock
from shared.kit.settings import UnsafeSettingsError

log = structlog.get_logger("query_service.devclock")
CLOCK_PATH = "/v1/dev/clock"


class FollowedClock:
    """A `Clock` returning the command service's simulated now, refreshed in the background."""

    def __init__(self, http: httpx.AsyncClient, interval_s: float = 0.5) -> None:
        self._http = http
        self._interval_s = interval_s
        self._now: datetime | None = None
        self._fallback: Clock = system_clock
        self._task: asyncio.Task[None] | None = None

    def __call__(self) -> datetime:
        return self._now if self._now is not None else self._fallback()

    async def refresh(self) -> None:
        """Fetch the simulated now once (it only moves forward)."""
        response = await self._http.get(CLOCK_PATH)
        response.raise_for_status()
        now = datetime.fromisoformat(loads(response.content)["now"])
        if self._now is None or now > self._now:
            self._now = now

    def start(self) -> None:
        self._task = asyncio.create_task(self._follow(), name="dev-clock")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._http.aclose()

    async def _follow(self) -> None:
        while True:
            try:
                await self.refresh()
            except (httpx.HTTPError, ValueError, KeyError) as exc:
                log.warning("dev_clock_unavailable", error=type(exc).__name__)
            await asyncio.sleep(self._interval_s)


async def follow_command_clock(command_url: str, credentials: Credentials | None) -> FollowedClock:
    """A started FollowedClock on the command service (its first reading awaited once)."""
    if credentials is None:
        raise UnsafeSettingsError("FLEET_CLOCK=simulated needs the feed account to read the clock")
    http = httpx.AsyncClient(
        base_url=command_url, timeout=5, auth=SignedIn(credentials, command_url)
    )
    clock = FollowedClock(http)
    try:
        await clock.refresh()
    except (httpx.HTTPError, ValueError, KeyError) as exc:  # not up yet: follow from now on
        log.warning("dev_clock_unavailable", error=type(exc).__name__)
    clock.start()
    return clock
