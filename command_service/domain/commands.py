"""Commands of the vehicle aggregate: imperative, frozen, already parsed.

Ids of things a command creates (booking_id, hold_id, ...) are chosen by the caller
and passed in, so `decide` stays pure. `by` is who sends the command (the API always
sets it): a vehicle of another organization does not exist for them, and a customer may
not act for someone else. The system (`SYSTEM`, the default) acts across organizations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

from command_service.domain.actor import SYSTEM, Actor
from command_service.domain.pricing import VEHICLE_RATES, PriceBasis
from shared.contract.events import Location
from shared.contract.organizations import DEFAULT_ORGANIZATION_ID

OperatorStatus = Literal["available", "maintenance", "inactive"]


@dataclass(frozen=True)
class RegisterVehicle:
    vehicle_id: UUID
    vin: str
    plate: str
    make: str
    model: str
    year: int
    seats: int
    hourly_rate_cents: int
    daily_rate_cents: int
    currency: str
    odometer_km: int
    home: Location | None = None
    organization_id: UUID = DEFAULT_ORGANIZATION_ID  # the registering staff member's
    location_id: UUID | None = None


@dataclass(frozen=True)
class UpdateVehicleDetails:
    plate: str | None = None
    make: str | None = None
    model: str | None = None
    seats: int | None = None
    hourly_rate_cents: int | None = None
    daily_rate_cents: int | None = None
    currency: str | None = None
    home: Location | None = None
    location_id: UUID | None = None
    by: Actor = SYSTEM


@dataclass(frozen=True)
class ChangeVehicleStatus:
    status: OperatorStatus
    reason: str
    by: Actor = SYSTEM


@dataclass(frozen=True)
class RetireVehicle:
    reason: str
    by: Actor = SYSTEM


@dataclass(frozen=True)
class PlaceHold:
    hold_id: UUID
    customer_id: UUID
    start: datetime
    end: datetime
    ttl_seconds: int = 900
    purpose: str | None = None
    cost_centre: str | None = None
    by: Actor = SYSTEM
    extras: tuple[str, ...] = ()  # extra codes asked for
    quote_id: UUID | None = None  # a quote whose price to take
    pricing: PriceBasis = VEHICLE_RATES  # gathered by the application from the above


@dataclass(frozen=True)
class ConfirmHold:
    hold_id: UUID
    booking_id: UUID
    by: Actor = SYSTEM


@dataclass(frozen=True)
class ReleaseHold:
    hold_id: UUID
    by: Actor = SYSTEM


@dataclass(frozen=True)
class ExpireHold:
    hold_id: UUID


@dataclass(frozen=True)
class BookVehicle:
    booking_id: UUID
    customer_id: UUID
    start: datetime
    end: datetime
    purpose: str | None = None
    cost_centre: str | None = None
    by: Actor = SYSTEM
    extras: tuple[str, ...] = ()  # extra codes asked for
    quote_id: UUID | None = None  # a quote whose price to take
    pricing: PriceBasis = VEHICLE_RATES  # gathered by the application from the above


@dataclass(frozen=True)
class CancelBooking:
    booking_id: UUID
    reason: str
    by: Actor = SYSTEM


@dataclass(frozen=True)
class StartTrip:
    trip_id: UUID
    booking_id: UUID
    odometer_km: int
    by: Actor = SYSTEM


@dataclass(frozen=True)
class EndTrip:
    trip_id: UUID
    odometer_km: int
    by: Actor = SYSTEM


@dataclass(frozen=True)
class ScheduleMaintenance:
    maintenance_id: UUID
    start: datetime
    end: datetime
    reason: str
    by: Actor = SYSTEM


@dataclass(frozen=True)
class CompleteMaintenance:
    maintenance_id: UUID
    odometer_km: int
    by: Actor = SYSTEM


Command = (
    RegisterVehicle
    | UpdateVehicleDetails
    | ChangeVehicleStatus
    | RetireVehicle
    | PlaceHold
    | ConfirmHold
    | ReleaseHold
    | ExpireHold
    | BookVehicle
    | CancelBooking
    | StartTrip
    | EndTrip
    | ScheduleMaintenance
    | CompleteMaintenance
)


def sender(command: Command) -> Actor:
    """Who sends `command` (registration and hold expiry come from staff or the system)."""
    actor: Actor = getattr(command, "by", SYSTEM)
    return actor
