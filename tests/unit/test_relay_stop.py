"""A relay stops when told to, even when new events wake it at that very moment.

Found as a hang of `test_a_standby_relay_takes_over_when_the_leader_dies`: on Python
3.11, `asyncio.wait_for` returns normally when its awaitable completes in the same loop
iteration as the task's cancellation, so stop() (cancel, then await the task) waited for
a loop that never ended. No I/O is involved: the wake-up is the relay's own event.
"""

from __future__ import annotations

import asyncio

import pytest

from command_service.relay import Relay


async def test_a_stop_landing_as_new_events_wake_the_relay_is_not_lost():
    relay = Relay("postgresql://unused", None, "127.0.0.1:9", "unused", 1, poll_interval_s=5.0)  # type: ignore[arg-type]
    sleeping = asyncio.create_task(relay._sleep_until_woken())
    await asyncio.sleep(0.01)  # asleep, waiting for a NOTIFY or its poll
    relay._wake.set()  # events committed ...
    sleeping.cancel()  # ... as the service stops
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(sleeping, 1.0)
