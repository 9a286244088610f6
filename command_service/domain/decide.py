"""decide: the events a command produces on a vehicle, or the rule it breaks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from command_service.domain import booking_decisions as booking
from command_service.domain import operation_decisions as operation
from command_service.domain import vehicle_decisions as vehicle
from command_service.domain.commands import (
    BookVehicle,
    CancelBooking,
    ChangeVehicleStatus,
    Command,
    CompleteMaintenance,
    ConfirmHold,
    EndTrip,
    ExpireHold,
    PlaceHold,
    RegisterVehicle,
    ReleaseHold,
    RetireVehicle,
    ScheduleMaintenance,
    StartTrip,
    UpdateVehicleDetails,
    sender,
)
from command_service.domain.context import Context
from command_service.domain.errors import (
    VehicleAlreadyRegisteredError,
    VehicleNotFoundError,
    VehicleRetiredError,
)
from command_service.domain.state import VehicleState
from shared.contract.events import Event

_HANDLERS: dict[type[Any], Callable[[Context, Any], list[Event]]] = {
    UpdateVehicleDetails: vehicle.update_details,
    ChangeVehicleStatus: vehicle.change_status,
    RetireVehicle: vehicle.retire,
    PlaceHold: booking.place_hold,
    ConfirmHold: booking.confirm_hold,
    ReleaseHold: booking.release_hold,
    ExpireHold: booking.expire_hold,
    BookVehicle: booking.book,
    CancelBooking: booking.cancel_booking,
    StartTrip: operation.start_trip,
    EndTrip: operation.end_trip,
    ScheduleMaintenance: operation.schedule_maintenance,
    CompleteMaintenance: operation.complete_maintenance,
}


def decide(
    state: VehicleState | None,
    command: Command,
    now: datetime,
    new_id: Callable[[], UUID],
) -> list[Event]:
    """The events `command` produces at `now` on the vehicle in `state` (pure)."""
    if isinstance(command, RegisterVehicle):
        if state is not None:
            raise VehicleAlreadyRegisteredError(f"vehicle {state.vehicle_id} exists already")
        return [vehicle.register(command, now, new_id)]
    if state is None or not sender(command).sees(state.organization_id):
        # Another organization's vehicle is refused exactly like one that does not exist.
        raise VehicleNotFoundError("no such vehicle")
    if state.retired:
        raise VehicleRetiredError(f"vehicle {state.vehicle_id} was retired")
    return _HANDLERS[type(command)](Context(state, now, new_id), command)
