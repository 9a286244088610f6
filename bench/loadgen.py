"""A closed-loop HTTP/1.1 load generator over asyncio streams, cheap on CPU.

Each client owns one keep-alive connection and sends its next request as soon as the
previous answer arrived. Only requests that complete inside the measuring window (after
the warm-up) count; the window closes after `duration_s` or at `max_requests`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

# Given a client's index, the (method, path, JSON body) of its next request.
RequestFactory = Callable[[int], tuple[str, str, bytes]]
# Called at the start and at the end of the measuring window (e.g. CPU snapshots).
WindowHook = Callable[[str], None]

TRANSPORT_ERROR = 0  # the status recorded when the connection failed
CONNECT_STAGGER_S = 0.005  # between the first connections of consecutive clients
ERROR_PAUSE_S = 0.05  # a client's pause after a transport error
DRAIN_TIMEOUT_S = 30.0  # how long in-flight requests may take to finish after the window


class ResponseError(Exception):
    """The server answered something this minimal client does not parse."""


_authorization = ""  # the header line every new connection sends (see `authorize`)


def authorize(token: str) -> None:
    """Send `Authorization: Bearer <token>` on every connection opened from now on."""
    global _authorization
    _authorization = f"Authorization: Bearer {token}\r\n"


class HttpConnection:
    """One keep-alive HTTP/1.1 connection; requests go one after another."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._prefix = (
            f"\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n{_authorization}"
        )

    async def open(self) -> None:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()
        self._reader = self._writer = None

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        """Send one request and read the whole response: (status, body)."""
        if self._writer is None:
            await self.open()
        assert self._reader is not None and self._writer is not None
        head = f"{method} {path} HTTP/1.1{self._prefix}Content-Length: {len(body)}\r\n\r\n"
        self._writer.write(head.encode("latin-1") + body)
        raw = await self._reader.readuntil(b"\r\n\r\n")
        status, length, close = _parse_head(raw)
        payload = await self._reader.readexactly(length)
        if close:
            await self.close()
        return status, payload


def _parse_head(raw: bytes) -> tuple[int, int, bool]:
    """(status, content-length, connection-close) of a response head."""
    lines = raw.split(b"\r\n")
    status = int(lines[0][9:12])
    length, close = -1, False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection" and value.strip().lower() == b"close":
            close = True
        elif name == b"transfer-encoding":
            raise ResponseError("chunked responses are not supported")
    if length < 0:
        raise ResponseError("response without Content-Length")
    return status, length, close


@dataclass
class LoadResult:
    """What one load run measured (window only) plus the totals including warm-up."""

    clients: int
    window_s: float
    latencies_s: list[float]
    statuses: Counter[int]
    all_statuses: Counter[int]
    client_cpu_s: float
    sample_bodies: dict[int, bytes] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.latencies_s)

    @property
    def rate(self) -> float:
        return self.count / self.window_s if self.window_s > 0 else 0.0

    def percentile_ms(self, q: float) -> float:
        return percentile(self.latencies_s, q) * 1e3

    def count_where(self, accept: Callable[[int], bool]) -> int:
        return sum(n for status, n in self.statuses.items() if accept(status))


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of `values`; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


@dataclass
class _Run:
    """Shared state of the clients and the window monitor."""

    max_requests: int | None
    measuring: bool = False
    stop: bool = False
    done: asyncio.Event = field(default_factory=asyncio.Event)
    samples: list[tuple[float, int]] = field(default_factory=list)
    all_statuses: Counter[int] = field(default_factory=Counter)
    sample_bodies: dict[int, bytes] = field(default_factory=dict)

    def record(self, latency: float, status: int, body: bytes) -> None:
        self.all_statuses[status] += 1
        self.sample_bodies.setdefault(status, body[:500])
        if not self.measuring:
            return
        self.samples.append((latency, status))
        if self.max_requests is not None and len(self.samples) >= self.max_requests:
            self.done.set()


async def _client(index: int, host: str, port: int, factory: RequestFactory, run: _Run) -> None:
    conn = HttpConnection(host, port)
    clock = time.perf_counter
    try:
        # Clients arrive one after another, not as one burst that a single worker's accept
        # loop would take whole; the kernel still decides which worker gets a connection.
        await asyncio.sleep(index * CONNECT_STAGGER_S)
        while not run.stop:
            method, path, body = factory(index)
            started = clock()
            try:
                status, payload = await conn.request(method, path, body)
            except (OSError, asyncio.IncompleteReadError, ResponseError) as exc:
                status, payload = TRANSPORT_ERROR, repr(exc).encode()
                await conn.close()
                await asyncio.sleep(ERROR_PAUSE_S)  # no hot loop against a dead server
            run.record(clock() - started, status, payload)
    finally:
        await conn.close()


async def run_load(
    host: str,
    port: int,
    clients: int,
    factory: RequestFactory,
    warmup_s: float,
    duration_s: float,
    max_requests: int | None = None,
    hook: WindowHook | None = None,
) -> LoadResult:
    """Drive `clients` closed-loop clients; measure after `warmup_s` for `duration_s`."""
    run = _Run(max_requests)
    tasks = [asyncio.create_task(_client(i, host, port, factory, run)) for i in range(clients)]
    try:
        await asyncio.sleep(warmup_s)
        if hook:
            hook("start")
        cpu0, t0 = time.process_time(), time.perf_counter()
        run.measuring = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(run.done.wait(), duration_s)
        run.measuring = False
        cpu1, t1 = time.process_time(), time.perf_counter()
        if hook:
            hook("end")
        run.stop = True
        await asyncio.wait(tasks, timeout=DRAIN_TIMEOUT_S)
    finally:
        for task in tasks:
            task.cancel()
    return LoadResult(
        clients=clients,
        window_s=t1 - t0,
        latencies_s=[latency for latency, _ in run.samples],
        statuses=Counter(status for _, status in run.samples),
        all_statuses=run.all_statuses,
        client_cpu_s=cpu1 - cpu0,
        sample_bodies=run.sample_bodies,
    )
