"""Decisions on the vehicle itself: registration, details, status and retirement."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from command_service.domain.calendar import retirement_blockers
from command_service.domain.commands import (
    ChangeVehicleStatus,
    RegisterVehicle,
    RetireVehicle,
    UpdateVehicleDetails,
)
from command_service.domain.context import Context
from command_service.domain.errors import FutureBookingsExistError, InvalidCommandError
from command_service.domain.rules import (
    MAX_SEATS,
    check_currency,
    check_home,
    check_name,
    check_odometer,
    check_operator_transition,
    check_plate,
    check_range,
    check_rate,
    check_vin,
    check_year,
)
from shared.contract.events import (
    Event,
    VehicleDetailsUpdated,
    VehicleRegistered,
    VehicleRetired,
    VehicleStatusChanged,
    as_utc,
)

T = TypeVar("T")


def register(command: RegisterVehicle, now: datetime, new_id: Callable[[], UUID]) -> Event:
    """VehicleRegistered with every field validated and normalised."""
    return VehicleRegistered(
        event_id=new_id(),
        vehicle_id=command.vehicle_id,
        version=1,
        occurred_at=as_utc(now),
        organization_id=command.organization_id,
        location_id=command.location_id,
        vin=check_vin(command.vin),
        plate=check_plate(command.plate),
        make=check_name(command.make, "make"),
        model=check_name(command.model, "model"),
        year=check_year(command.year, now),
        seats=check_range(command.seats, 1, MAX_SEATS, "seats"),
        hourly_rate_cents=check_rate(command.hourly_rate_cents, "hourly_rate_cents"),
        daily_rate_cents=check_rate(command.daily_rate_cents, "daily_rate_cents"),
        currency=check_currency(command.currency),
        odometer_km=check_odometer(command.odometer_km),
        home=None if command.home is None else check_home(command.home),
    )


def _checked(value: T | None, check: Callable[[T], T]) -> T | None:
    return None if value is None else check(value)


def _proposed(command: UpdateVehicleDetails) -> dict[str, Any]:
    """The validated, normalised values of the fields the command sets."""
    return {
        "plate": _checked(command.plate, check_plate),
        "make": _checked(command.make, lambda v: check_name(v, "make")),
        "model": _checked(command.model, lambda v: check_name(v, "model")),
        "seats": _checked(command.seats, lambda v: check_range(v, 1, MAX_SEATS, "seats")),
        "hourly_rate_cents": _checked(
            command.hourly_rate_cents, lambda v: check_rate(v, "hourly_rate_cents")
        ),
        "daily_rate_cents": _checked(
            command.daily_rate_cents, lambda v: check_rate(v, "daily_rate_cents")
        ),
        "currency": _checked(command.currency, check_currency),
        "home": _checked(command.home, check_home),
        "location_id": command.location_id,
    }


def update_details(ctx: Context, command: UpdateVehicleDetails) -> list[Event]:
    """VehicleDetailsUpdated with only the fields that change; [] when nothing does."""
    proposed = {name: value for name, value in _proposed(command).items() if value is not None}
    if not proposed:
        raise InvalidCommandError("set at least one field to update")
    changes = {k: v for k, v in proposed.items() if v != getattr(ctx.state, k)}
    if not changes:
        return []
    return [VehicleDetailsUpdated(**ctx.envelope(), **changes)]


def change_status(ctx: Context, command: ChangeVehicleStatus) -> list[Event]:
    """VehicleStatusChanged along an operator move of the status machine."""
    current = ctx.state.status
    target = check_operator_transition(current, command.status)
    return [
        VehicleStatusChanged(
            **ctx.envelope(), from_status=current, to_status=target, reason=command.reason
        )
    ]


def retire(ctx: Context, command: RetireVehicle) -> list[Event]:
    """VehicleRetired, unless future bookings, live holds or a running trip remain."""
    blockers = retirement_blockers(ctx.state, ctx.now)
    if blockers:
        raise FutureBookingsExistError(
            "the vehicle has future bookings, live holds or a running trip", blockers
        )
    return [VehicleRetired(**ctx.envelope(), reason=command.reason)]
