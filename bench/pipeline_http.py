"""HTTP helpers of the read-pipeline benchmark: a small connection pool, fleet set-up."""

from __future__ import annotations

import asyncio
import time

import orjson

from bench.loadgen import HttpConnection, ResponseError
from bench.scenarios import vehicle_body

MAX_CONNECTIONS = 256  # per service: a request waits for a free one beyond this
MAX_IDLE_S = 3.0  # uvicorn drops a keep-alive connection after 5 s idle: never reuse those
TRANSPORT = (OSError, asyncio.IncompleteReadError, ResponseError)


class Connections:
    """Keep-alive connections to one server, handed out one request at a time."""

    def __init__(self, host: str, port: int, limit: int = MAX_CONNECTIONS) -> None:
        self.host, self.port = host, port
        self._free: list[tuple[float, HttpConnection]] = []
        self._all: list[HttpConnection] = []
        self._slots = asyncio.Semaphore(limit)
        self.requests = 0

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        self.requests += 1
        async with self._slots:
            conn = await self._take()
            try:
                answer = await conn.request(method, path, body)
            except TRANSPORT:
                await conn.close()
                raise
            self._free.append((time.monotonic(), conn))
            return answer

    async def _take(self) -> HttpConnection:
        while self._free:
            idle_since, conn = self._free.pop()
            if time.monotonic() - idle_since < MAX_IDLE_S:
                return conn
            await conn.close()
        conn = HttpConnection(self.host, self.port)
        self._all.append(conn)
        return conn

    @property
    def opened(self) -> int:
        return len(self._all)

    async def close(self) -> None:
        for conn in self._all:
            await conn.close()


async def register_fleet(commands: Connections, count: int) -> list[str]:
    """Register `count` vehicles over HTTP, 16 at a time; their ids."""

    async def one() -> str:
        status, body = await commands.request("POST", "/v1/vehicles", vehicle_body())
        if status != 201:
            raise RuntimeError(f"registration answered {status}: {body[:300]!r}")
        return str(orjson.loads(body)["vehicle_id"])

    fleet: list[str] = []
    for start in range(0, count, 16):
        fleet += await asyncio.gather(*(one() for _ in range(min(16, count - start))))
    return fleet


async def wait_projected(queries: Connections, fleet: list[str], timeout_s: float = 60) -> float:
    """Until the query API shows every vehicle of `fleet`; the seconds it took."""
    started = time.perf_counter()
    for vehicle_id in fleet:
        while (await queries.request("GET", f"/v1/vehicles/{vehicle_id}"))[0] != 200:
            if time.perf_counter() - started > timeout_s:
                raise TimeoutError(f"vehicle {vehicle_id} not projected after {timeout_s} s")
            await asyncio.sleep(0.01)
    return time.perf_counter() - started
