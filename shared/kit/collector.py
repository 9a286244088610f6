"""Python's cyclic garbage collector in our long-running processes.

Nearly everything a request or a replayed event allocates is freed by reference
counting; the collector only has cycles to find. At its default (a young collection
every 700 net allocations) it ran every few requests or events and walked whatever was
alive in between: in-flight requests, pages queued for the database. Collecting every
100,000 allocations cost the rebuild a third less time and the command service's
hot-vehicle decisions about a tenth (docs/benchmarks.md, "The cyclic collector").

A server also collects on a clock. The thresholds count net allocations of container
objects, not bytes: a service that allocates few of them for lots of memory (an
HTTP client's responses are cycles holding whole bodies, the query service's feed pages
among them) reached 100,000 once in many minutes, and its memory grew by hundreds of
MiB in the soak benchmark until then (docs/benchmarks.md, the soak's fourth 30-minute run).
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager, suppress
from typing import Any

from starlette.applications import Starlette

_RARELY = (100_000, 50, 100)  # young, middle and old generations' thresholds
YOUNG_EVERY_S = 1.0  # a server's young generations, collected at least this often
FULL_EVERY_S = 60.0  # and every generation: a cycle may live long enough to grow old

Lifespan = Callable[[Any], AbstractAsyncContextManager[Any]]


def for_a_server(app: Starlette) -> None:
    """Collect once, then move every object alive now (routes, models, codecs, imported
    modules) out of the collector's reach, and collect rarely by count from now on, and
    by the clock while `app` runs. Startup objects live for good, and otherwise every
    full collection walks them all again.

    Only for the server's own process: an app built inside a bigger one (a test) would
    collect and freeze all of that process's heap at each start."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*_RARELY)
    app.router.lifespan_context = _on_a_clock(app.router.lifespan_context)


def _on_a_clock(lifespan: Lifespan) -> Lifespan:
    @asynccontextmanager
    async def collecting(app: Any) -> AsyncIterator[Any]:
        clock = asyncio.create_task(collect_on_a_clock(), name="collector")
        try:
            async with lifespan(app) as state:
                yield state
        finally:
            clock.cancel()
            with suppress(asyncio.CancelledError):
                await clock

    return collecting


async def collect_on_a_clock(
    young_every_s: float = YOUNG_EVERY_S, full_every_s: float = FULL_EVERY_S
) -> None:
    """Collect the young generations every `young_every_s` and all of them every
    `full_every_s`, on the event loop (finalizers of what is collected may touch it)."""
    loop = asyncio.get_running_loop()
    full_at = loop.time() + full_every_s
    while True:
        await asyncio.sleep(young_every_s)
        if loop.time() < full_at:
            gc.collect(1)
            continue
        gc.collect()
        full_at = loop.time() + full_every_s


@contextmanager
def rarely() -> Iterator[None]:
    """Collect rarely inside the block (a batch job), then as before."""
    before = gc.get_threshold()
    gc.set_threshold(*_RARELY)
    try:
        yield
    finally:
        gc.set_threshold(*before)
