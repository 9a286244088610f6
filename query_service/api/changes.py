"""Fan-out of projected changes to SSE subscribers: one LISTEN connection per process.

The page applier NOTIFYs `fleet_changes` in the transaction that applies an event. This
feed LISTENs on one dedicated connection and offers each notice to every matching
subscriber's bounded queue without waiting (a subscriber sees only its organization's
notices, each of which names its organization): a subscriber whose queue is full is dropped
(its stream ends; EventSource clients reconnect), so one slow client never holds back
the others or the service. When the LISTEN connection is lost, notices may have been
missed, so every stream is ended too and the connection is re-established.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg
import structlog

from query_service.applier import CHANGES_CHANNEL
from shared.contract.serialization import loads

log = structlog.get_logger("query_service.changes")
DEFAULT_CAPACITY = 1000
RECONNECT_DELAYS_S = (0.1, 0.5, 1.0, 2.0, 5.0)
APPLICATION_NAME = "fleet-query-changes"


@dataclass(frozen=True)
class Notice:
    """One projected change as NOTIFY delivered it: the raw JSON and what filters need."""

    vehicle_id: str
    position: int
    payload: str
    organization_id: str


def parse_notice(payload: str) -> Notice:
    body = loads(payload)
    # A location's notice names no vehicle: it never matches a `vehicle_id` filter.
    return Notice(
        str(body.get("vehicle_id", "")), int(body["global_position"]), payload,
        str(body["organization_id"]),
    )  # fmt: skip


class Subscription:
    """One SSE client: a bounded queue of one organization's changes (None: every
    organization's, for the service role), optionally only one vehicle's."""

    def __init__(
        self, vehicle_id: UUID | None, capacity: int, organization_id: UUID | None
    ) -> None:
        self.vehicle_id = None if vehicle_id is None else str(vehicle_id)
        self.organization_id = None if organization_id is None else str(organization_id)
        self._queue: asyncio.Queue[Notice | None] = asyncio.Queue(capacity + 1)
        self._capacity = capacity
        self.closed = False

    def wants(self, notice: Notice) -> bool:
        if self.organization_id not in (None, notice.organization_id):
            return False
        return self.vehicle_id is None or self.vehicle_id == notice.vehicle_id

    def offer(self, notice: Notice) -> bool:
        """Queue the notice without waiting; False when the subscriber is too slow."""
        if self.closed or self._queue.qsize() >= self._capacity:
            return False
        self._queue.put_nowait(notice)
        return True

    def close(self) -> None:
        """End the stream: pending notices are discarded, the reader sees the end at once."""
        if self.closed:
            return
        self.closed = True
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(None)  # the slot kept free by `capacity + 1`

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Notice:
        notice = await self._queue.get()
        if notice is None:
            raise StopAsyncIteration
        return notice


class ChangeFeed:
    """LISTEN fleet_changes once; deliver each notice to the subscribers that want it."""

    def __init__(self, dsn: str, capacity: int = DEFAULT_CAPACITY) -> None:
        self._dsn, self.capacity = dsn, capacity
        self._subscribers: set[Subscription] = set()
        self._conn: asyncpg.Connection | None = None
        self._reconnecting: asyncio.Task[None] | None = None
        self._stopping = False
        self.dropped = 0

    async def start(self) -> None:
        self._conn = await asyncpg.connect(
            self._dsn, server_settings={"application_name": APPLICATION_NAME}
        )
        self._conn.add_termination_listener(self._on_lost)
        await self._conn.add_listener(CHANGES_CHANNEL, self._on_notify)

    async def stop(self) -> None:
        self._stopping = True
        if self._reconnecting is not None:
            self._reconnecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reconnecting
        self._end_all()
        if self._conn is not None and not self._conn.is_closed():
            await self._conn.close()

    def subscribe(
        self, organization_id: UUID | None, vehicle_id: UUID | None = None
    ) -> Subscription:
        """A subscription to one organization's changes (None: every organization's)."""
        subscription = Subscription(vehicle_id, self.capacity, organization_id)
        self._subscribers.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscribers.discard(subscription)
        subscription.close()

    @property
    def listening(self) -> bool:
        return self._conn is not None and not self._conn.is_closed()

    def stats(self) -> dict[str, Any]:
        return {"subscribers": len(self._subscribers), "dropped": self.dropped}

    def publish(self, notice: Notice) -> None:
        """Offer `notice` to every subscriber that wants it; drop the ones too slow."""
        for subscription in list(self._subscribers):
            if subscription.wants(notice) and not subscription.offer(notice):
                self.dropped += 1
                log.warning("sse_subscriber_dropped", vehicle_id=subscription.vehicle_id)
                self.unsubscribe(subscription)

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            notice = parse_notice(payload)
        except (ValueError, KeyError, TypeError):
            log.warning("bad_change_notice", payload=payload[:200])
            return
        self.publish(notice)

    def _end_all(self) -> None:
        for subscription in list(self._subscribers):
            self.unsubscribe(subscription)

    def _on_lost(self, _conn: object) -> None:
        if self._stopping:
            return
        log.warning("change_feed_connection_lost")
        self._end_all()
        self._reconnecting = asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self) -> None:
        for attempt in range(10**9):
            await asyncio.sleep(RECONNECT_DELAYS_S[min(attempt, len(RECONNECT_DELAYS_S) - 1)])
            try:
                await self.start()
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("change_feed_reconnect_failed", error=type(exc).__name__)
                continue
            log.info("change_feed_reconnected")
            return
