"""Webhook delivery from the outbox, and the later decision of pending (`tok_slow`) cards.

One background task: it decides pending authorizations whose time has come, then
POSTs every due event, signed, to the configured URL. A non-2xx answer or a network
error schedules the next attempt after an exponential backoff (first delay doubled
per attempt, capped); after the last attempt the event is given up but stays in the
outbox (a test may redeliver it). The outbox is in the database: a restart resumes.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import httpx
import structlog

from sandbox_provider.faults import Faults
from sandbox_provider.processor import decide_due, pending_due
from sandbox_provider.records import Context
from sandbox_provider.settings import SandboxSettings
from sandbox_provider.store import Store
from shared.contract.serialization import loads
from shared.payments.signature import HEADER, sign

log = structlog.get_logger("sandbox.webhooks")
IDLE_S = 0.2
BATCH = 50


def backoff_s(attempts: int, first_ms: int, max_ms: int) -> float:
    """Seconds before the attempt after `attempts` failures: first, doubling, at most max."""
    return float(min(first_ms * 2 ** (attempts - 1), max_ms)) / 1000


def _due(now: float) -> Callable[[sqlite3.Connection], list[tuple[str, bytes, int]]]:
    def query(conn: sqlite3.Connection) -> list[tuple[str, bytes, int]]:
        rows = conn.execute(
            "SELECT event_id, body, attempts FROM outbox WHERE delivered_at IS NULL"
            " AND given_up = 0 AND next_attempt <= ? ORDER BY next_attempt, seq LIMIT ?",
            (now, BATCH),
        ).fetchall()
        return [(row["event_id"], bytes(row["body"]), row["attempts"]) for row in rows]

    return query


class Deliverer:
    """The background task: decide pending cards, deliver due events, retry failed ones."""

    def __init__(
        self,
        store: Store,
        settings: SandboxSettings,
        faults: Faults,
        context: Callable[[], Context],
    ) -> None:
        self.store, self.settings, self.faults, self.context = store, settings, faults, context
        self.wake = asyncio.Event()
        # The URL is configured, never a proxy from the environment.
        self.client = httpx.AsyncClient(
            timeout=settings.delivery_timeout_ms / 1000, trust_env=False
        )

    async def run(self) -> None:
        """Until cancelled; a failing round is logged and the next one tries again."""
        while True:
            try:
                await self.round()
            except Exception:
                log.exception("webhook_round_failed")
            self.wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), IDLE_S)

    async def close(self) -> None:
        await self.client.aclose()

    async def round(self) -> None:
        """Decide due pending cards, then attempt every due event once."""
        context = self.context()
        if await self.store.read(partial(pending_due, at=context.now.timestamp())):
            await self.store.write(partial(decide_due, ctx=context))
        if not self.settings.webhook_url or self.faults.down or self.faults.webhooks_paused:
            return
        for event_id, body, attempts in await self.store.read(_due(time.time())):
            error = await self.post(body)
            await self.store.write(
                partial(self._record, event_id=event_id, attempts=attempts, error=error)
            )

    async def post(self, body: bytes) -> str | None:
        """Deliver one event body, freshly signed; None on a 2xx, else what went wrong."""
        headers = {
            "Content-Type": "application/json",
            HEADER: sign(self.settings.webhook_secret, int(time.time()), body),
        }
        try:
            response = await self.client.post(
                self.settings.webhook_url, content=body, headers=headers
            )
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"
        return None if response.is_success else f"HTTP {response.status_code}"

    def _record(
        self, conn: sqlite3.Connection, event_id: str, attempts: int, error: str | None
    ) -> None:
        now, tried = time.time(), attempts + 1
        if error is None:
            conn.execute(
                "UPDATE outbox SET attempts = ?, delivered_at = ?, last_error = NULL"
                " WHERE event_id = ?",
                (tried, now, event_id),
            )
            log.info("webhook_delivered", event_id=event_id, attempts=tried)
            return
        given_up = tried >= self.settings.max_attempts
        delay = backoff_s(tried, self.settings.retry_first_ms, self.settings.retry_max_ms)
        conn.execute(
            "UPDATE outbox SET attempts = ?, next_attempt = ?, given_up = ?, last_error = ?"
            " WHERE event_id = ?",
            (tried, now + delay, int(given_up), error, event_id),
        )
        log.warning(
            "webhook_failed", event_id=event_id, attempts=tried, error=error, given_up=given_up
        )


def event_view(row: sqlite3.Row) -> dict[str, Any]:
    """An outbox row as GET /v1/events shows it: the event and its delivery state."""
    return {
        "id": row["event_id"],
        "type": row["type"],
        "attempts": row["attempts"],
        "delivered": row["delivered_at"] is not None,
        "given_up": bool(row["given_up"]),
        "last_error": row["last_error"],
        "event": loads(bytes(row["body"])),
    }
