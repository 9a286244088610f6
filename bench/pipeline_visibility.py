"""End-to-end visibility: command 201 → the booking readable from the query API.

An open-loop sender books at a steady rate (request i is due at t0 + i/rate, whether or
not earlier answers came back), each booking on its own vehicle-window. Every booking
answered 201 inside the measured window is pending until the query API shows it; its
latency is the time from reading the 201 to reading the first answer that contains it.

How the query API is asked: a watcher sends, every `poll_ms`, one GET /v1/bookings
?customer_id=…&from=…&to=… (no consistency token) whose window spans exactly the pending
bookings: the benchmark's booking starts fall by 15 minutes per request, so the range
holds the pending ones and the few sent after them, and never the thousands made before.
One GET per tick, however many bookings are pending, keeps the load fixed (200 GETs/s
at 5 ms). Per-booking polling of GET /v1/bookings/{id} multiplies its GETs whenever the
projector stalls; those GETs then starve the projector (same event loop) and, on this
box, the query service collapsed (most bookings never visible). As a cross-check a small
random sample is also polled the literal way, GET /v1/bookings/{id} every `poll_ms` (or a
tenth of its age when longer), capped at `id_poll_rate` GETs/s together.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode

import orjson

from bench.loadgen import WindowHook
from bench.pipeline_http import TRANSPORT, Connections, register_fleet, wait_projected
from bench.scenarios import HOUR, booking_body, first_slot

STEP = timedelta(minutes=15)  # between the starts of consecutive bookings (falling)
MAX_PAGES = 10  # per watcher tick (500 bookings each)
START_DELAY_S = 0.05  # from the call of measure_visibility to the first request
RELATIVE_INTERVAL = 0.1  # a cross-checked booking pending for t is polled every >= t/10


@dataclass
class VisibilityConfig:
    rate: float  # bookings per second, open loop
    warmup_s: float
    duration_s: float
    vehicles: int
    poll_ms: float = 5.0
    cross_check: float = 0.05  # fraction of the window's 201s also polled by id
    id_poll_rate: float = 100.0  # GETs/s of all by-id pollers together
    give_up_s: float = 5.0
    # whom the bookings are for: an account of the admin's organization (add_customers)
    customer: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class Sample:
    """A booking answered 201 in the window: when, and when the query API showed it."""

    booking_id: str
    start: datetime
    answered: float  # perf_counter at the 201
    answered_at: float  # time.time() at the 201
    visible_ms: float | None = None  # via the watcher; None: not within give_up_s
    by_id_ms: float | None = None  # via GET /v1/bookings/{id}, when cross-checked
    cross_checked: bool = False


@dataclass
class VisibilityResult:
    config: VisibilityConfig
    sent: int = 0  # due in the measured window
    statuses: Counter[int] = field(default_factory=Counter)  # window only
    command_ms: list[float] = field(default_factory=list)  # POST latency, window only
    send_lag_ms: list[float] = field(default_factory=list)  # sent after its due time
    samples: list[Sample] = field(default_factory=list)
    watch_gets: int = 0
    watch_ms: list[float] = field(default_factory=list)  # latency of the watcher's GETs
    id_gets: int = 0
    id_held_back: int = 0  # by-id GETs that waited for the cap
    connections: tuple[int, int] = (0, 0)  # opened to the command, query service

    @property
    def visible_ms(self) -> list[float]:
        return [s.visible_ms for s in self.samples if s.visible_ms is not None]

    @property
    def never_visible(self) -> int:
        return sum(s.visible_ms is None for s in self.samples)

    def cross(self) -> list[tuple[float, float]]:
        """(watcher ms, by-id ms) of every cross-checked booking both saw."""
        return [(s.visible_ms, s.by_id_ms) for s in self.samples
                if s.visible_ms is not None and s.by_id_ms is not None]  # fmt: skip


class _Run:
    """The state shared by the sender, the bookings, the watcher and the by-id pollers."""

    def __init__(self, cfg: VisibilityConfig, commands: Connections, queries: Connections,
                 vehicles: list[str], total: int) -> None:  # fmt: skip
        self.cfg, self.commands, self.queries, self.vehicles = cfg, commands, queries, vehicles
        self.result = VisibilityResult(cfg)
        self.customer = cfg.customer
        self.top = first_slot(days_ahead=2) + total * STEP  # booking i starts at top - i*STEP
        self.rng = random.Random(1)
        self.window = (0.0, 0.0)
        self.pending: dict[str, Sample] = {}
        self.sending = True
        self.tokens, self.refilled = 10.0, time.perf_counter()

    def measured(self, due: float) -> bool:
        return self.window[0] <= due < self.window[1]

    async def book(self, i: int, due: float) -> None:
        start = self.top - i * STEP
        body = booking_body(self.vehicles[i % len(self.vehicles)], start, start + HOUR,
                            self.customer)  # fmt: skip
        sent = time.perf_counter()
        try:
            status, payload = await self.commands.request("POST", "/v1/bookings", body)
        except TRANSPORT:
            status, payload = 0, b""
        answered, res = time.perf_counter(), self.result
        if not self.measured(due):
            return
        res.statuses[status] += 1
        res.command_ms.append((answered - sent) * 1e3)
        res.send_lag_ms.append((sent - due) * 1e3)
        if status != 201:
            return
        sample = Sample(orjson.loads(payload)["booking_id"], start, answered, time.time())
        res.samples.append(sample)
        self.pending[sample.booking_id] = sample
        if self.rng.random() < self.cfg.cross_check:
            sample.cross_checked = True
            await self.poll_by_id(sample)

    async def watch(self) -> None:
        """Every poll_ms, one list GET over the pending bookings' window, until none is left."""
        interval = self.cfg.poll_ms / 1e3
        while self.sending or self.pending:
            began = time.perf_counter()
            if self.pending:
                await self._look()
            for sample in [
                s for s in self.pending.values() if began - s.answered > self.cfg.give_up_s
            ]:
                del self.pending[sample.booking_id]  # never visible: visible_ms stays None
            await asyncio.sleep(max(0.0, interval - (time.perf_counter() - began)))

    async def _look(self) -> None:
        starts = [s.start for s in self.pending.values()]
        query = {"customer_id": self.customer, "from": min(starts).isoformat(),
                 "to": (max(starts) + STEP).isoformat(), "limit": "500"}  # fmt: skip
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            path = "/v1/bookings?" + urlencode({**query, **({"cursor": cursor} if cursor else {})})
            asked = time.perf_counter()
            try:
                status, body = await self.queries.request("GET", path)
            except TRANSPORT:
                return
            seen = time.perf_counter()
            self.result.watch_gets += 1
            self.result.watch_ms.append((seen - asked) * 1e3)
            if status != 200:
                return
            page = orjson.loads(body)
            for item in page["items"]:
                sample = self.pending.pop(item["booking_id"], None)
                if sample is not None:
                    sample.visible_ms = (seen - sample.answered) * 1e3
            cursor = page.get("next_cursor")
            if not cursor:
                return

    async def poll_by_id(self, sample: Sample) -> None:
        path, interval = f"/v1/bookings/{sample.booking_id}", self.cfg.poll_ms / 1e3
        while (began := time.perf_counter()) < sample.answered + self.cfg.give_up_s:
            await self._id_slot()
            try:
                status, _ = await self.queries.request("GET", path)
            except TRANSPORT:
                status = 0
            if status == 200:
                sample.by_id_ms = (time.perf_counter() - sample.answered) * 1e3
                return
            wait = max(interval, (began - sample.answered) * RELATIVE_INTERVAL)
            await asyncio.sleep(max(0.0, wait - (time.perf_counter() - began)))

    async def _id_slot(self) -> None:
        """A token of a bucket refilled at id_poll_rate/s (bursts of 10); wait while in debt."""
        now, rate = time.perf_counter(), self.cfg.id_poll_rate
        self.tokens = min(10.0, self.tokens + (now - self.refilled) * rate) - 1
        self.refilled = now
        self.result.id_gets += 1
        if self.tokens < 0:
            self.result.id_held_back += 1
            await asyncio.sleep(-self.tokens / rate)


async def measure_visibility(
    cfg: VisibilityConfig, commands: Connections, queries: Connections, vehicles: list[str]
) -> VisibilityResult:
    """Book open-loop for warm-up + window; watch until every 201 is visible or given up."""
    total = int(cfg.rate * (cfg.warmup_s + cfg.duration_s))
    run = _Run(cfg, commands, queries, vehicles, total)
    t0 = time.perf_counter() + START_DELAY_S
    run.window = (t0 + cfg.warmup_s, t0 + cfg.warmup_s + cfg.duration_s)
    watcher = asyncio.create_task(run.watch())
    tasks = []
    try:
        for i in range(total):
            due = t0 + i / cfg.rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            tasks.append(asyncio.create_task(run.book(i, due)))
            run.result.sent += run.measured(due)
        await asyncio.wait(tasks, timeout=cfg.give_up_s + 30)
        run.sending = False
        await asyncio.wait_for(watcher, cfg.give_up_s + 30)
    finally:
        for task in [*tasks, watcher]:
            task.cancel()
    run.result.connections = (commands.opened, queries.opened)
    return run.result


async def run_visibility(
    cfg: VisibilityConfig, host: str, command_port: int, query_port: int, hook: WindowHook
) -> VisibilityResult:
    """Register the fleet, wait until the query API shows it, then measure; `hook` is
    called at the start and the end of the measured window."""
    commands, queries = Connections(host, command_port), Connections(host, query_port)
    try:
        fleet = await register_fleet(commands, cfg.vehicles)
        await wait_projected(queries, fleet)
        loop = asyncio.get_running_loop()
        loop.call_later(START_DELAY_S + cfg.warmup_s, hook, "start")
        loop.call_later(START_DELAY_S + cfg.warmup_s + cfg.duration_s, hook, "end")
        return await measure_visibility(cfg, commands, queries, fleet)
    finally:
        await commands.close()
        await queries.close()
