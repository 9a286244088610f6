"""A server's collector: rare by count, yet on a clock, so cycles holding memory go."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette

from shared.kit import collector
from shared.kit.collector import collect_on_a_clock


class Body:
    """A cycle's member holding a payload, like an HTTP client's response."""

    def __init__(self) -> None:
        self.payload = bytes(1_000_000)
        self.me = self


@pytest.fixture
def by_hand_only() -> Iterator[None]:
    """No automatic collection: only what the clock collects goes."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


async def _gone_within(ref: weakref.ref[Body], seconds: float, clock: asyncio.Task[None]) -> bool:
    try:
        for _ in range(int(seconds / 0.01)):
            if ref() is None:
                return True
            await asyncio.sleep(0.01)
        return False
    finally:
        clock.cancel()
        await asyncio.gather(clock, return_exceptions=True)


async def test_a_young_cycle_is_collected_by_the_clock(by_hand_only: None) -> None:
    ref = weakref.ref(Body())
    assert ref() is not None  # a cycle: reference counting alone never frees it
    clock = asyncio.create_task(collect_on_a_clock(young_every_s=0.02, full_every_s=3600))
    assert await _gone_within(ref, 1.0, clock)


def _grown_old() -> weakref.ref[Body]:
    body = Body()
    gc.collect(1)  # survives a middle collection: now in the old generation
    return weakref.ref(body)


async def test_an_old_cycle_waits_for_the_full_collection(by_hand_only: None) -> None:
    ref = _grown_old()
    young_only = asyncio.create_task(collect_on_a_clock(young_every_s=0.02, full_every_s=3600))
    assert not await _gone_within(ref, 0.3, young_only)
    full = asyncio.create_task(collect_on_a_clock(young_every_s=0.02, full_every_s=0.1))
    assert await _gone_within(ref, 1.0, full)


async def test_a_server_collects_on_a_clock_while_its_app_runs() -> None:
    thresholds = gc.get_threshold()
    app = Starlette()
    try:
        collector.for_a_server(app)
        assert gc.get_threshold() == collector._RARELY
        async with app.router.lifespan_context(app):
            assert "collector" in {task.get_name() for task in asyncio.all_tasks()}
        assert "collector" not in {task.get_name() for task in asyncio.all_tasks()}
    finally:
        gc.unfreeze()  # what the test process had alive is collectable again
        gc.set_threshold(*thresholds)
