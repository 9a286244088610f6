"""How fast this box runs a fixed piece of work right now: a yardstick for benchmarks long
enough for a shared machine's speed to drift under them (±20 % between hours here).

A child process runs the same unit of pure-Python work every `period_s` and reports the
CPU milliseconds each took, in thread time: waiting for a core does not count, a slower
core does. Beside a steady load, a window's median moves as every component's CPU per
booking would if the code did nothing different. It costs about 2 % of one core.
"""

from __future__ import annotations

import asyncio
import statistics
import sys

_UNIT = """
import sys, time
while True:
    started = time.thread_time()
    sum(i * i for i in range(200_000))
    print(round((time.thread_time() - started) * 1e3, 3), flush=True)
    time.sleep(float(sys.argv[1]))
"""


class Yardstick:
    """The child and the readings it made since the last `take`."""

    def __init__(self, period_s: float = 1.0) -> None:
        self.period_s = period_s
        self._readings: list[float] = []
        self._child: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Yardstick:
        self._child = await asyncio.create_subprocess_exec(
            sys.executable, "-c", _UNIT, str(self.period_s), stdout=asyncio.subprocess.PIPE
        )
        self._reader = asyncio.create_task(self._read(self._child))
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._child is not None and self._reader is not None
        self._child.kill()
        await self._child.wait()
        await self._reader

    async def _read(self, child: asyncio.subprocess.Process) -> None:
        assert child.stdout is not None
        async for line in child.stdout:
            self._readings.append(float(line))

    def take(self) -> float:
        """The median CPU ms of a unit since the last call (NaN when none was made)."""
        readings, self._readings = self._readings, []
        return statistics.median(readings) if readings else float("nan")
