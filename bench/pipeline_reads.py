"""Availability under concurrent readers: closed-loop GET /v1/availability.

Each query asks for a random window (1 hour to 3 days, quarter-hour aligned) inside the
seeded year and, with equal odds, no filter, a make, a make and model, or a minimum
number of seats. Answers are the first page (the API's default limit of 50).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from urllib.parse import urlencode

import orjson

from bench.loadgen import HttpConnection, LoadResult, WindowHook, run_load
from bench.pipeline_seed import MODELS, SEATS, YEAR, FleetPlan
from bench.stack import HOST

QUARTER_HOUR = timedelta(minutes=15)
MIN_WINDOW, MAX_WINDOW = timedelta(hours=1), timedelta(days=3)
FILTERS = ("none", "make", "make+model", "min_seats")
MAX_REQUESTS = 500_000  # per window: bounded in count as well as in time


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class AvailabilityQueries:
    """Request factory: a random window and a random filter per request."""

    def __init__(self, plan: FleetPlan, seed: int = 11) -> None:
        self.base = plan.base
        self.rng = random.Random(seed)
        self.starts = int((YEAR - MAX_WINDOW) / QUARTER_HOUR)
        self.lengths = (int(MIN_WINDOW / QUARTER_HOUR), int(MAX_WINDOW / QUARTER_HOUR))

    def query(self) -> dict[str, str]:
        rng = self.rng
        start = self.base + rng.randrange(self.starts) * QUARTER_HOUR
        end = start + rng.randint(*self.lengths) * QUARTER_HOUR
        params = {"start": _stamp(start), "end": _stamp(end)}
        kind = rng.choice(FILTERS)
        make, model, _ = rng.choice(MODELS)
        if kind in ("make", "make+model"):
            params["make"] = make
        if kind == "make+model":
            params["model"] = model
        if kind == "min_seats":
            params["min_seats"] = str(rng.choice(SEATS))
        return params

    def __call__(self, client: int) -> tuple[str, str, bytes]:
        return "GET", "/v1/availability?" + urlencode(self.query()), b""


async def sanity_check(port: int, plan: FleetPlan, count: int = 50) -> tuple[int, float]:
    """Ask `count` queries one at a time: (answers that were not 200, mean items per page)."""
    queries, conn = AvailabilityQueries(plan, seed=3), HttpConnection(HOST, port)
    failed, items = 0, 0
    try:
        for _ in range(count):
            status, body = await conn.request(*queries(0)[:2])
            if status != 200:
                failed += 1
                continue
            items += len(orjson.loads(body)["items"])
    finally:
        await conn.close()
    return failed, items / max(count - failed, 1)


async def read_load(
    port: int, plan: FleetPlan, readers: int, warmup_s: float, duration_s: float, hook: WindowHook
) -> LoadResult:
    """`readers` closed-loop clients for warm-up + window."""
    factory = AvailabilityQueries(plan)
    return await run_load(HOST, port, readers, factory, warmup_s, duration_s, MAX_REQUESTS, hook)
