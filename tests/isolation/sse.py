"""Server-Sent Events read in the background, for a bounded time."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx

GRACE_S = 2.0  # how long every listener keeps reading after the awaited change arrived
LIMIT_S = 30.0  # no wait for a change lasts longer than this


@dataclass
class Listener:
    """One open stream: its status, and every line it received so far."""

    status: int = 0
    lines: list[str] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def saw(self, needle: str) -> bool:
        return any(needle in line for line in self.lines)


@contextlib.asynccontextmanager
async def listening(
    client: httpx.AsyncClient, path: str, params: dict[str, str], headers: dict[str, str]
) -> AsyncIterator[Listener]:
    """The stream, open (so subscribed before the caller writes) and read in the background
    until the block ends; a refused stream holds its problem body as its one line."""
    listener = Listener()
    async with client.stream("GET", path, params=params, headers=headers, timeout=LIMIT_S) as resp:
        listener.status = resp.status_code
        if resp.status_code != 200:
            listener.lines.append((await resp.aread()).decode())
            yield listener
            return
        reader = asyncio.create_task(_read(resp, listener))
        try:
            yield listener
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader


async def _read(resp: httpx.Response, listener: Listener) -> None:
    async for line in resp.aiter_lines():
        listener.lines.append(line)
        listener.arrived.set()


async def until_seen(listener: Listener, needle: str) -> None:
    """Wait until `listener` received `needle` (at most LIMIT_S), then GRACE_S more, so
    that anything else on its way reaches the other listeners too."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(LIMIT_S):
            while not listener.saw(needle):
                listener.arrived.clear()
                await listener.arrived.wait()
    await asyncio.sleep(GRACE_S)
