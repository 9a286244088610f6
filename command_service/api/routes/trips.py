"""Trips: start on a confirmed booking inside its window, end with the odometer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from command_service.api import links, schemas
from command_service.api import response_models as rm
from command_service.api.answers import answer, to_entity
from command_service.api.http import actor_of, written
from command_service.api.response_models import documented
from command_service.domain import VehicleState
from command_service.domain import commands as cmd
from shared.contract import events as ev
from shared.kit.auth.dependencies import require_role

router = APIRouter(
    prefix="/v1",
    tags=["trips"],
    dependencies=[
        Depends(require_role("customer", "fleet_manager", "admin")),
    ],
)


def _started_body(events: Sequence[ev.Event], state: VehicleState) -> dict[str, Any]:
    started = next(e for e in events if isinstance(e, ev.TripStarted))
    return written(
        state,
        trip_id=started.trip_id,
        booking_id=started.booking_id,
        customer_id=started.customer_id,
        started_at=started.occurred_at,
        odometer_km=started.odometer_km,
        status=ev.RUNNING,
    )


def _ended_body(events: Sequence[ev.Event], state: VehicleState) -> dict[str, Any]:
    ended = next(e for e in events if isinstance(e, ev.TripEnded))
    return written(
        state,
        trip_id=ended.trip_id,
        booking_id=ended.booking_id,
        odometer_km=ended.odometer_km,
        distance_km=ended.distance_km,
        duration_s=ended.duration_s,
        ended_at=ended.occurred_at,
        status=ev.ENDED,
    )


@router.post("/trips", **documented(rm.TripStarted, 201, links.TRIP_LINKS))
async def start_trip(body: schemas.StartTripBody, request: Request) -> Response:
    """Start the trip of a confirmed booking (±15 min around its window)."""
    command = cmd.StartTrip(
        trip_id=request.app.state.new_id(),
        booking_id=body.booking_id,
        odometer_km=body.odometer_km,
        by=actor_of(request),
    )
    return await answer(
        request, to_entity(body.booking_id, "booking", command), _started_body, status=201
    )


@router.post("/trips/{trip_id}/end", **documented(rm.TripEnded))
async def end_trip(trip_id: UUID, body: schemas.OdometerBody, request: Request) -> Response:
    """End a running trip; distance and duration become final, the booking completes."""
    command = cmd.EndTrip(trip_id=trip_id, odometer_km=body.odometer_km, by=actor_of(request))
    return await answer(request, to_entity(trip_id, "trip", command), _ended_body)
