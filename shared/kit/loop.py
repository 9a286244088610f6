"""The event loop a Fleetledger process runs its asyncio code on: uvloop, as uvicorn runs
the services (`--loop uvloop`). The rebuild's processes spend their time in socket
writes and reads (the feed, COPY into PostgreSQL) that uvloop does in C."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

import uvloop

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(coro)` on a fresh uvloop event loop."""
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)
