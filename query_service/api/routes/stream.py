"""GET /v1/stream: projected changes as Server-Sent Events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Query, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent

from query_service.api import models
from query_service.api.changes import ChangeFeed, Subscription
from query_service.api.consistency import read_router
from shared.kit.auth.dependencies import Caller

router = read_router("/v1", "stream")


async def subscription(
    request: Request,
    caller: Caller,
    vehicle_id: Annotated[UUID | None, Query(description="Only this vehicle's changes.")] = None,
) -> AsyncIterator[Subscription]:
    """Subscribe (to the caller's organization's changes only) before the response starts;
    unsubscribe when the client goes away."""
    feed: ChangeFeed = request.app.state.changes
    subscribed = feed.subscribe(caller.organization_scope, vehicle_id)
    try:
        yield subscribed
    finally:
        feed.unsubscribe(subscribed)


@router.get(
    "/stream",
    summary="Projected changes as Server-Sent Events",
    response_class=EventSourceResponse,
    responses=models.problems(400, 422, 503),
)
async def stream(
    changes: Annotated[Subscription, Depends(subscription)],
) -> AsyncIterator[ServerSentEvent]:
    """One `change` event per projected event, as soon as its read-model transaction
    commits, of the caller's organization only: `id` is the event's global position,
    `data` is JSON `{organization_id, vehicle_id, version, event_type, global_position,
    occurred_at, changes: [{kind, id}]}` (kind: vehicle, calendar, booking, hold, trip,
    maintenance, location, pricing_policy, payment; a location's, pricing policy's or
    payment's notice names `location_id`, `policy_id` or `payment_id` instead of
    `vehicle_id`). A `: ping` comment is sent after 15 s
    of silence. There is no replay (Last-Event-ID is ignored): after a reconnect, re-read
    what you show. A client that falls 1,000 changes behind is disconnected."""
    async for notice in changes:
        yield ServerSentEvent(raw_data=notice.payload, event="change", id=str(notice.position))
