"""shared.kit.loop: the event loop the rebuild (and the benchmarks) run on, as uvicorn runs
the services."""

from __future__ import annotations

import asyncio

import uvloop

from shared.kit import loop


async def _running() -> asyncio.AbstractEventLoop:
    return asyncio.get_running_loop()


def test_a_coroutine_runs_to_its_result_on_a_fresh_uvloop_loop_closed_after() -> None:
    first, second = loop.run(_running()), loop.run(_running())
    assert isinstance(first, uvloop.Loop) and first is not second
    assert first.is_closed() and second.is_closed()
