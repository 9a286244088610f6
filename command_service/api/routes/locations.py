"""Locations (branches) of an organization: open, update, read the audit trail.

A location is a stream of its own (command_service/application/streams.py); its writes
answer like a vehicle's: Idempotency-Key replays, ETag and If-Match on the stream's
version, a consistency token for the query service.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from command_service.api import links
from command_service.api import location_schemas as ls
from command_service.api import response_models as rm
from command_service.api.answers import Run, answer
from command_service.api.http import principal_of
from command_service.api.response_models import documented
from command_service.api.stream_routes import history, streams_of
from command_service.application.locations import LOCATIONS, ensure_location
from command_service.domain.errors import LocationNotFoundError
from command_service.domain.locations import LocationCommand, LocationState, OpenLocation
from command_service.domain.locations import UpdateLocation as UpdateLocationCommand
from shared.contract.consistency import encode_token
from shared.contract.events import StreamEvent
from shared.kit.auth.dependencies import require_role
from shared.kit.http.responses import JSON

router = APIRouter(prefix="/v1")
_WRITE = [Depends(require_role("fleet_manager", "admin"))]


async def check_location(request: Request, location_id: UUID | None) -> None:
    """404 unless `location_id` (when given) is a location of the caller's organization."""
    if location_id is not None:
        organization = principal_of(request).organization_id
        await ensure_location(streams_of(request).store, location_id, organization)


def _to_location(request: Request, location_id: UUID, command: LocationCommand) -> Run:
    """Run `command` on the location's stream (the vehicle handler `answer` offers is
    not the one a location needs)."""
    return lambda _, ctx: streams_of(request).run(LOCATIONS, location_id, command, ctx)


def _body(_: Sequence[StreamEvent], state: LocationState) -> dict[str, Any]:
    return {
        "location_id": state.location_id,
        "organization_id": state.organization_id,
        "name": state.name,
        "lat": state.lat,
        "lon": state.lon,
        "timezone": state.timezone,
        "address": state.address,
        "version": state.version,
        "consistency_token": encode_token(state.location_id, state.version),
    }


@router.post(
    "/locations",
    tags=["locations"],
    dependencies=_WRITE,
    **documented(ls.LocationWritten, 201, links.LOCATION_LINKS),
)
async def open_location(body: ls.OpenLocationBody, request: Request) -> Response:
    """Open a location (a branch) of the caller's organization."""
    location_id = request.app.state.new_id()
    command = OpenLocation(
        location_id=location_id,
        organization_id=principal_of(request).organization_id,
        name=body.name,
        lat=body.lat,
        lon=body.lon,
        timezone=body.timezone,
        address=body.address,
    )
    return await answer(request, _to_location(request, location_id, command), _body, status=201)


@router.patch(
    "/locations/{location_id}",
    tags=["locations"],
    dependencies=_WRITE,
    **documented(ls.LocationWritten),
)
async def update_location(
    location_id: UUID, body: ls.UpdateLocationBody, request: Request
) -> Response:
    """Change a location's name, coordinates (lat and lon together), time zone or address."""
    fields = {name: getattr(body, name) for name in body.model_fields_set}
    organization = principal_of(request).organization_id
    command = UpdateLocationCommand(organization_id=organization, **fields)
    return await answer(request, _to_location(request, location_id, command), _body)


@router.get(
    "/locations/{location_id}/history",
    tags=["event log"],
    response_model=rm.LocationHistory,
    dependencies=[Depends(require_role("fleet_manager", "admin", "service"))],
)
async def location_history(
    location_id: UUID,
    request: Request,
    after_version: int = Query(0, ge=0, le=2**31 - 1),
    limit: int = Query(1000, ge=1, le=10000),
) -> JSON:
    """Every stored event of a location, oldest first, with its metadata (the audit trail)."""
    unknown = LocationNotFoundError.of
    return await history(request, LOCATIONS.name, location_id, after_version, limit, unknown)
