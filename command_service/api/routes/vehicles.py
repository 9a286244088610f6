"""Vehicle lifecycle: register, update details, change status, retire, schedule maintenance."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from command_service.api import links, schemas
from command_service.api import response_models as rm
from command_service.api.answers import answer, to_entity, to_vehicle
from command_service.api.http import actor_of, principal_of, written
from command_service.api.response_models import documented
from command_service.api.routes.locations import check_location
from command_service.domain import VehicleState
from command_service.domain import commands as cmd
from shared.contract import events as ev
from shared.kit.auth.dependencies import require_role

router = APIRouter(
    prefix="/v1",
    tags=["vehicles"],
    dependencies=[Depends(require_role("fleet_manager", "admin"))],
)


def _details(state: VehicleState) -> dict[str, Any]:
    return {
        "vin": state.vin,
        "plate": state.plate,
        "make": state.make,
        "model": state.model,
        "year": state.year,
        "seats": state.seats,
        "hourly_rate_cents": state.hourly_rate_cents,
        "daily_rate_cents": state.daily_rate_cents,
        "currency": state.currency,
        "odometer_km": state.odometer_km,
        "status": state.status,
        "home": state.home.model_dump() if state.home else None,
        "location_id": state.location_id,
    }


def _details_body(_: Sequence[ev.Event], state: VehicleState) -> dict[str, Any]:
    return written(state, **_details(state))


@router.post("/vehicles", **documented(rm.VehicleDetails, 201, links.VEHICLE_LINKS))
async def register_vehicle(body: schemas.RegisterVehicleBody, request: Request) -> Response:
    """Register a vehicle in the caller's organization; VIN and plate must be unique in
    its fleet."""
    await check_location(request, body.location_id)
    vehicle_id = request.app.state.new_id()
    command = cmd.RegisterVehicle(
        vehicle_id=vehicle_id,
        vin=body.vin,
        plate=body.plate,
        make=body.make,
        model=body.model,
        year=body.year,
        seats=body.seats,
        hourly_rate_cents=body.hourly_rate_cents,
        daily_rate_cents=body.daily_rate_cents,
        currency=body.currency,
        odometer_km=body.odometer_km,
        home=body.home.location() if body.home else None,
        location_id=body.location_id,
        organization_id=principal_of(request).organization_id,
    )
    return await answer(request, to_vehicle(vehicle_id, command), _details_body, status=201)


@router.patch("/vehicles/{vehicle_id}", **documented(rm.VehicleDetails))
async def update_vehicle(
    vehicle_id: UUID, body: schemas.UpdateVehicleBody, request: Request
) -> Response:
    """Change plate, make, model, seats, rates, home point or home location (branch)."""
    await check_location(request, body.location_id)
    fields = {name: getattr(body, name) for name in body.model_fields_set}
    if body.home is not None:
        fields["home"] = body.home.location()
    command = cmd.UpdateVehicleDetails(**fields, by=actor_of(request))
    return await answer(request, to_vehicle(vehicle_id, command), _details_body)


@router.post("/vehicles/{vehicle_id}/status", **documented(rm.StatusChanged))
async def change_status(
    vehicle_id: UUID, body: schemas.ChangeStatusBody, request: Request
) -> Response:
    """Move the vehicle through the status machine (available, maintenance, inactive)."""
    return await answer(
        request,
        to_vehicle(
            vehicle_id,
            cmd.ChangeVehicleStatus(status=body.status, reason=body.reason, by=actor_of(request)),
        ),
        lambda _, state: written(state, status=state.status),
    )


@router.post("/vehicles/{vehicle_id}/retire", **documented(rm.Retired))
async def retire_vehicle(vehicle_id: UUID, body: schemas.ReasonBody, request: Request) -> Response:
    """Take the vehicle out of the fleet for good (refused while future bookings exist)."""
    return await answer(
        request,
        to_vehicle(vehicle_id, cmd.RetireVehicle(reason=body.reason, by=actor_of(request))),
        lambda _, state: written(state, retired=True, reason=body.reason),
    )


def _maintenance_body(events: Sequence[ev.Event], state: VehicleState) -> dict[str, Any]:
    scheduled = next(e for e in events if isinstance(e, ev.MaintenanceScheduled))
    return written(
        state,
        maintenance_id=scheduled.maintenance_id,
        start=scheduled.start,
        end=scheduled.end,
        reason=scheduled.reason,
    )


@router.post(
    "/vehicles/{vehicle_id}/maintenance",
    **documented(rm.MaintenanceScheduled, 201, links.MAINTENANCE_LINKS),
)
async def schedule_maintenance(
    vehicle_id: UUID, body: schemas.MaintenanceBody, request: Request
) -> Response:
    """Block a workshop window on the vehicle's calendar."""
    command = cmd.ScheduleMaintenance(
        maintenance_id=request.app.state.new_id(),
        start=body.start,
        end=body.end,
        reason=body.reason,
        by=actor_of(request),
    )
    return await answer(request, to_vehicle(vehicle_id, command), _maintenance_body, status=201)


def _completed_body(events: Sequence[ev.Event], state: VehicleState) -> dict[str, Any]:
    done = next(e for e in events if isinstance(e, ev.MaintenanceCompleted))
    return written(
        state,
        maintenance_id=done.maintenance_id,
        odometer_km=done.odometer_km,
        completed_at=done.occurred_at,
        status="completed",
    )


@router.post("/maintenance/{maintenance_id}/complete", **documented(rm.MaintenanceCompleted))
async def complete_maintenance(
    maintenance_id: UUID, body: schemas.OdometerBody, request: Request
) -> Response:
    """Finish a maintenance window: record the odometer and reset the service counter."""
    command = cmd.CompleteMaintenance(
        maintenance_id=maintenance_id, odometer_km=body.odometer_km, by=actor_of(request)
    )
    return await answer(request, to_entity(maintenance_id, "maintenance", command), _completed_body)
