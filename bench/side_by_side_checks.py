"""What bench/side_by_side.py verifies and reads besides throughput: the stores and the box.

Each run is metered over its measuring window: CPU seconds of every part (the service's
process tree, PostgreSQL's, the load generator, and on Fleetledger's side the query
service and the broker) and of the whole box. Fleetledger's events are still on their
way to its read models when the window closes; the run waits until its query side has
caught up before the next run starts, so none of that work lands in the reference's
window, and the wait is printed.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg
import orjson

from bench.loadgen import HttpConnection, LoadResult, WindowHook
from bench.read_side import ReadProbe
from bench.report import LoadRun
from bench.scenarios import check_no_overlap, first_slot
from bench.stack import HOST, MACHINE, CpuMeter

_CRUD_COUNT = "SELECT count(*) FROM bookings WHERE vehicle_id = ANY($1::uuid[])"
_CRUD_OVERLAPS = """
SELECT count(*) FROM bookings a JOIN bookings b
  ON a.vehicle_id = b.vehicle_id AND a.id < b.id AND a.start < b."end" AND b.start < a."end"
WHERE a.vehicle_id = ANY($1::uuid[]) AND a.status = 'confirmed' AND b.status = 'confirmed'
"""


@dataclass(frozen=True)
class StoreCheck:
    """After a run: live bookings in the store, 201s the clients saw, overlapping pairs."""

    stored: int
    acknowledged: int
    overlapping_pairs: int

    @property
    def ok(self) -> bool:
        return self.overlapping_pairs == 0 and self.stored == self.acknowledged

    def __str__(self) -> str:
        verdict = "ok" if self.ok else "FAILED"
        return f"{verdict} ({self.stored}/{self.acknowledged} stored, {self.overlapping_pairs} ov)"


async def check_fleetledger(dsn: str, vehicles: list[str], result: LoadResult) -> StoreCheck:
    """Every 201 is a live booking in the event store, and none of them overlap."""
    race = await check_no_overlap(dsn, vehicles)
    return StoreCheck(race.confirmed, result.all_statuses[201], race.overlapping_pairs)


async def check_crud(dsn: str, vehicles: list[str], result: LoadResult) -> StoreCheck:
    """The same over the reference service's tables."""
    ids = [uuid.UUID(v) for v in vehicles]
    conn = await asyncpg.connect(dsn)
    try:
        stored = await conn.fetchval(_CRUD_COUNT, ids)
        overlaps = await conn.fetchval(_CRUD_OVERLAPS, ids)
    finally:
        await conn.close()
    return StoreCheck(int(stored), result.all_statuses[201], int(overlaps))


DRAIN_TIMEOUT_S = 120.0


@dataclass
class Spent:
    """One run's CPU over its window, the answers given in it and, on Fleetledger's side,
    the seconds its query side took to catch up afterwards."""

    usage: LoadRun
    answers: int
    drain_s: float | None = None
    caught_up: bool = True

    @property
    def ms_per_answer(self) -> float:
        """Busy CPU of the whole box per answer in the window (every part, and whatever
        else ran)."""
        busy = self.usage.cpu_s.get(MACHINE, 0.0)
        return busy * 1e3 / self.answers if self.answers else float("nan")


class RunMeter:
    """Meters one run of one side: `hook` for the load's window, then `settle`."""

    def __init__(self, roots: dict[str, int], port: int, probe: ReadProbe | None) -> None:
        self._meter = CpuMeter(roots, port)
        self._probe = probe

    async def hook(self) -> WindowHook:
        """The window hook to hand the load; the read side's count starts here."""
        if self._probe is None:
            return self._meter
        await self._probe.begin()
        return self._probe.window_hook(self._meter)

    async def settle(self, scenario: str, round_no: int, result: LoadResult, answers: int) -> Spent:
        """The run's CPU, after waiting for the read side (if any) to catch up."""
        usage = LoadRun(0, round_no, result, dict(self._meter.used_s), 0, [])
        if self._probe is None:
            return Spent(usage, answers)
        read = await self._probe.finish(scenario, 0, round_no, DRAIN_TIMEOUT_S)
        return Spent(usage, answers, read.drain_s, read.caught_up)


class Steal:
    """Share of CPU time the hypervisor took (steal, from /proc/stat) over a span."""

    def __init__(self) -> None:
        self._start = _cpu_times()

    def share(self) -> float:
        end = _cpu_times()
        total = sum(end) - sum(self._start)
        stolen = end[7] - self._start[7] if len(end) > 7 else 0
        return stolen / total if total > 0 else 0.0


def _cpu_times() -> list[int]:
    with open("/proc/stat") as stat:
        fields = stat.readline().split()[1:]
    return [int(f) for f in fields[:8]]


async def wait_projected(port: int, vehicles: int, timeout_s: float = 180.0) -> float:
    """Seconds until the query service lists a full first page of free vehicles."""
    start = first_slot(days_ahead=300)
    path = f"/v1/availability?start={_stamp(start)}&end={_stamp(start + timedelta(hours=1))}"
    wanted, began = min(vehicles, 50), time.perf_counter()
    conn = HttpConnection(HOST, port)
    try:
        while time.perf_counter() - began < timeout_s:
            status, body = await conn.request("GET", path)
            if status == 200 and len(orjson.loads(body)["items"]) >= wanted:
                return time.perf_counter() - began
            await asyncio.sleep(0.5)
    finally:
        await conn.close()
    raise RuntimeError(f"the query service did not list the fleet within {timeout_s:.0f} s")


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
