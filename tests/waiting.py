"""Waiting for what a test's services do in the background, bounded: they expose no event
to wait on, so the condition is polled."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable


async def until(
    condition: Callable[[], bool], timeout_s: float = 10.0, every_s: float = 0.05
) -> None:
    """Poll `condition()` every `every_s` until it holds; fail after `timeout_s`."""
    try:
        async with asyncio.timeout(timeout_s):
            for _ in itertools.count():
                if condition():
                    return
                await asyncio.sleep(every_s)
    except TimeoutError:
        raise AssertionError(f"condition not met within {timeout_s} s") from None
