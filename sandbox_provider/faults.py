"""Fault switches for tests: the provider down (503) for a while, slow answers, held webhooks.

Off unless a test turns them on through `/v1/test/faults` (only with
FLEET_SANDBOX_TEST_HOOKS=true); kept in memory, so a restart turns them off.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sandbox_provider.errors import ProviderDownError, render

# The card-processing API; the ledger, events, health and test switches keep answering.
FAULTY_PREFIX = "/v1/authorizations"


@dataclass
class Faults:
    """What is switched on now."""

    down_until: float = 0.0  # time.monotonic()
    delay_ms: int = 0
    webhooks_paused: bool = False

    @property
    def down_for_s(self) -> float:
        return max(0.0, self.down_until - time.monotonic())

    @property
    def down(self) -> bool:
        return self.down_for_s > 0

    def set(self, down_for_s: float, delay_ms: int, webhooks_paused: bool) -> None:
        self.down_until = time.monotonic() + down_for_s
        self.delay_ms = delay_ms
        self.webhooks_paused = webhooks_paused

    def view(self) -> dict[str, Any]:
        return {
            "down_for_s": round(self.down_for_s, 3),
            "delay_ms": self.delay_ms,
            "webhooks_paused": self.webhooks_paused,
        }


def middleware(
    faults: Faults,
) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    """HTTP middleware answering 503 while down and delaying answers while slow."""

    async def apply(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if not request.url.path.startswith(FAULTY_PREFIX):
            return await call_next(request)
        if faults.delay_ms:
            await asyncio.sleep(faults.delay_ms / 1000)
        if faults.down:
            retry = str(max(1, round(faults.down_for_s)))
            return render(ProviderDownError("the provider is down", {"Retry-After": retry}))
        return await call_next(request)

    return apply
