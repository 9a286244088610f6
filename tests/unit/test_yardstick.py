"""The soak's yardstick: a child timing the same unit of work, read window by window."""

from __future__ import annotations

import asyncio
import math

from bench.yardstick import Yardstick


async def test_the_yardstick_reports_the_median_unit_since_it_was_last_read():
    async with Yardstick(period_s=0.05) as yardstick:
        await asyncio.sleep(1.5)
        first = yardstick.take()
        second = yardstick.take()
    assert 0 < first < 1000  # CPU ms of one unit
    assert math.isnan(second)  # nothing measured in between
