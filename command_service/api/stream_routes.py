"""What the routes of every kind of stream that is no vehicle share (locations, pricing
policies): the handler that runs their commands and their audit trail."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from fastapi import Request

from command_service.api.http import principal_of
from command_service.application.streams import StreamHandler
from command_service.domain.errors import DomainError
from command_service.store import feed
from shared.contract.events import EVENT_TYPES
from shared.kit.http.responses import JSON


def streams_of(request: Request) -> StreamHandler:
    handler: StreamHandler = request.app.state.streams
    return handler


async def history(
    request: Request,
    kind: str,
    stream_id: UUID,
    after_version: int,
    limit: int,
    unknown: Callable[[UUID], DomainError],
) -> JSON:
    """Every stored event of a stream of `kind` (its name) after a version, oldest first, with its
    metadata; `unknown(stream_id)` is raised when the stream is not the caller's
    organization's (the `service` role reads every organization's)."""
    caller = principal_of(request)
    owner = await streams_of(request).store.organization_of(kind, stream_id)
    if owner is None or not (caller.sees_every_organization or owner == caller.organization_id):
        raise unknown(stream_id)
    pool = request.app.state.pool
    items = await feed.stream_history(pool, stream_id, after_version, limit, owner, kind)
    items = items or []
    next_cursor = str(items[-1]["version"]) if len(items) == limit else None
    id_field = next(cls.STREAM_ID for cls in EVENT_TYPES.values() if kind == cls.STREAM)
    return JSON({id_field: stream_id, "items": items, "next_cursor": next_cursor})
