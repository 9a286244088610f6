"""HTTP client of the public command API: bounded concurrency, tokens, retries, counts."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

RETRY_STATUSES = (429, 503)  # honour Retry-After, then try again (same Idempotency-Key)
MAX_RETRIES = 8
REFRESH_MARGIN_S = 60.0  # refresh an access token this long before it expires


class SimulatorError(Exception):
    """The simulator cannot go on (server unreachable, sign-in refused, clock not simulated)."""


@dataclass
class Principal:
    """Someone who calls the API: without auth, nobody in particular."""

    name: str
    email: str = ""
    password: str = ""
    access_token: str = ""
    refresh_token: str = ""
    expires_at: float = 0.0  # time.monotonic()
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"} if self.access_token else {}

    def take(self, tokens: dict[str, Any]) -> None:
        self.access_token, self.refresh_token = tokens["access_token"], tokens["refresh_token"]
        self.expires_at = time.monotonic() + float(tokens.get("expires_in", 900))


@dataclass
class Stats:
    """What was sent and how the server answered."""

    sent: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    by_kind: Counter[tuple[str, int]] = field(default_factory=Counter)
    retries: int = 0
    transport_errors: int = 0

    def count(self, kind: str, status: int) -> None:
        self.sent[kind] += 1
        self.statuses[status] += 1
        self.by_kind[kind, status] += 1


def _retry_after(resp: httpx.Response) -> float:
    try:
        return min(30.0, max(0.05, float(resp.headers.get("retry-after", "1"))))
    except ValueError:
        return 1.0


class Api:
    """One httpx.AsyncClient, at most `concurrency` requests in flight."""

    def __init__(
        self,
        url: str,
        concurrency: int,
        auth: bool,
        run_tag: str,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        self.http = httpx.AsyncClient(
            base_url=url, limits=limits, timeout=30.0, transport=transport
        )
        self.auth, self.stats = auth, Stats()
        self._gate = asyncio.Semaphore(concurrency)
        self._tag, self._keys = run_tag, 0

    async def close(self) -> None:
        await self.http.aclose()

    async def send(
        self,
        kind: str,
        who: Principal | None,
        method: str,
        path: str,
        body: Any = None,
        key: str | None = None,
    ) -> httpx.Response:
        """One command, retried on 429/503 and transport errors; counted once. A POST
        carries `key` as its Idempotency-Key, or a fresh one of this run."""
        headers: dict[str, str] = {}
        if method == "POST":
            self._keys += 1
            headers["Idempotency-Key"] = key or f"sim-{self._tag}-{self._keys}"
        resp = await self._send(who, method, path, body, headers)
        self.stats.count(kind, resp.status_code)
        return resp

    async def _send(
        self, who: Principal | None, method: str, path: str, body: Any, headers: dict[str, str]
    ) -> httpx.Response:
        for attempt in range(MAX_RETRIES):
            if who is not None and self.auth:
                await self.ensure_fresh(who)
                headers.update(who.headers())
            try:
                async with self._gate:
                    resp = await self.http.request(method, path, json=body, headers=headers)
            except httpx.TransportError as exc:
                self.stats.transport_errors += 1
                if attempt == MAX_RETRIES - 1:
                    raise SimulatorError(f"{method} {path}: {exc!r}") from exc
                await asyncio.sleep(0.2 * (attempt + 1))
                continue
            if resp.status_code == 401 and who is not None and self.auth and attempt == 0:
                who.expires_at = 0.0  # token rejected: sign in again and retry once
                continue
            if resp.status_code not in RETRY_STATUSES or attempt == MAX_RETRIES - 1:
                return resp
            self.stats.retries += 1
            await asyncio.sleep(_retry_after(resp))
        raise AssertionError("unreachable")

    async def ensure_fresh(self, who: Principal) -> None:
        """Refresh (or sign in again) when the access token is about to expire."""
        if who.expires_at - time.monotonic() > REFRESH_MARGIN_S:
            return
        async with who.lock:
            if who.expires_at - time.monotonic() > REFRESH_MARGIN_S:
                return
            if who.refresh_token:
                body = {"refresh_token": who.refresh_token}
                resp = await self._plain("POST", "/v1/auth/refresh", body)
                if resp.status_code == 200:
                    who.take(resp.json())
                    return
            await self.login(who)

    async def login(self, who: Principal) -> None:
        """POST /v1/auth/token, waiting out the per-address rate limit."""
        body = {"email": who.email, "password": who.password}
        resp = await self._plain("POST", "/v1/auth/token", body)
        if resp.status_code != 200:
            raise SimulatorError(f"sign-in of {who.email} refused: {resp.status_code} {resp.text}")
        who.take(resp.json())

    async def _plain(self, method: str, path: str, body: Any) -> httpx.Response:
        """An unauthenticated request (auth endpoints), honouring 429 Retry-After."""
        for _ in range(MAX_RETRIES * 4):
            async with self._gate:
                resp = await self.http.request(method, path, json=body)
            if resp.status_code != 429:
                return resp
            self.stats.retries += 1
            await asyncio.sleep(_retry_after(resp))
        return resp
