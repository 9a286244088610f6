"""Reading the log: one vehicle's audit trail and the global catch-up feed."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime

from command_service.api import response_models as rm
from command_service.api.http import principal_of
from command_service.domain.errors import InvalidCommandError, VehicleNotFoundError
from command_service.store import feed
from shared.contract.shards import MAX_SHARDS, valid_count
from shared.kit.auth.dependencies import require_role
from shared.kit.http.responses import JSON

router = APIRouter(prefix="/v1", tags=["event log"])


def _organization(request: Request) -> UUID | None:
    """The organization whose events the caller reads; None: every one (`service`)."""
    return principal_of(request).organization_scope


@router.get(
    "/vehicles/{vehicle_id}/history",
    response_model=rm.History,
    dependencies=[Depends(require_role("fleet_manager", "admin", "service"))],
)
async def vehicle_history(
    vehicle_id: UUID,
    request: Request,
    after_version: int = Query(0, ge=0, le=2**31 - 1),
    limit: int = Query(1000, ge=1, le=10000),
) -> JSON:
    """Every stored event of a vehicle of your organization, oldest first, with its
    metadata (the audit trail)."""
    items = await feed.stream_history(
        request.app.state.pool, vehicle_id, after_version, limit, _organization(request)
    )
    if items is None:
        raise VehicleNotFoundError(f"no vehicle with id {vehicle_id}")
    next_cursor = str(items[-1]["version"]) if len(items) == limit else None
    return JSON({"vehicle_id": vehicle_id, "items": items, "next_cursor": next_cursor})


@router.get(
    "/events", response_model=rm.Feed, dependencies=[Depends(require_role("admin", "service"))]
)
async def events_feed(
    request: Request,
    after: int = Query(0, ge=0, le=2**63 - 1),
    limit: int = Query(500, ge=1, le=5000),
    shards: int = Query(1, ge=1, le=MAX_SHARDS, description="a power of two"),
    shard: int = Query(0, ge=0, lt=MAX_SHARDS),
) -> JSON:
    """Committed events of your organization (the `service` role: of every organization)
    after the one at global position `after`, in publication order, in the current schema.

    Order is (transaction, position), so positions are not always ascending; pass the
    `global_position` of the last item you received (also given as `next_after`).

    With `shards`, only the events of streams in shard `shard` (the stream id as a
    128-bit integer, modulo `shards`): the page still goes past `limit` events of the
    feed (`covered` of them; an empty page need not be the end) and `next_after` is the
    last of those.
    """
    if not valid_count(shards):
        raise InvalidCommandError("shards must be a power of two from 1 to 256", field="shards")
    if shard >= shards:
        raise InvalidCommandError(f"shard must be below shards ({shards})", field="shard")
    try:
        page = await feed.events_after(
            request.app.state.pool, after, limit, _organization(request), shard, shards
        )
    except feed.UnknownPositionError as exc:
        raise InvalidCommandError(f"no event at global position {after}", field="after") from exc
    return JSON({"items": page.items, "next_after": page.next_after, "covered": page.covered})


@router.get(
    "/events/heads",
    response_model=rm.FeedHeads,
    dependencies=[Depends(require_role("admin", "service"))],
)
async def events_feed_heads(
    request: Request,
    after: int = Query(0, ge=0, le=2**63 - 1),
    limit: int = Query(5000, ge=1, le=20000),
    recorded_before: Annotated[
        AwareDatetime | None,
        Query(description="stop at the first event stored at or after this instant"),
    ] = None,
) -> JSON:
    """The walk of `GET /v1/events` as the streams it went past, not their events: each
    stream's kind and the last version the page holds, for anti-entropy checks.
    `recorded_before` stops the walk at the first event stored at or after it; a page
    that covered nothing is the end."""
    try:
        page = await feed.heads_after(
            request.app.state.pool, after, limit, _organization(request), recorded_before
        )
    except feed.UnknownPositionError as exc:
        raise InvalidCommandError(f"no event at global position {after}", field="after") from exc
    streams = [
        {"stream": kind, "stream_id": stream_id, "version": version}
        for stream_id, (kind, version) in page.streams.items()
    ]
    return JSON({"streams": streams, "next_after": page.next_after, "covered": page.covered})
