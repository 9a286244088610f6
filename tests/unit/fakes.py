"""Fakes for domain specs: a fixed clock, deterministic ids and a given/when/then vehicle."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

from command_service.domain import VehicleState, decide, fold
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
)
from shared.contract.events import Event
from shared.contract.organizations import DEFAULT_ORGANIZATION_ID

E = TypeVar("E", bound=Event)

NOW = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)
REGISTERED_AT = NOW - timedelta(days=30)
VEHICLE = UUID(int=0x7E1C1E)
CUSTOMER = UUID(int=0xC0570)
OTHER_CUSTOMER = UUID(int=0xC0571)
BOOKING = UUID(int=0xB001)
BOOKING_2 = UUID(int=0xB002)
NO_SHOW = UUID(int=0xB003)
BOOKING_3 = UUID(int=0xB004)
HOLD = UUID(int=0x401D)
HOLD_2 = UUID(int=0x401E)
TRIP = UUID(int=0x7819)
TRIP_2 = UUID(int=0x781A)
MAINTENANCE = UUID(int=0x3A1)
MAINTENANCE_2 = UUID(int=0x3A2)
HOURLY = 1_000
DAILY = 6_000
ODOMETER = 12_000
WHEN_IDS = 0xE0000  # event ids a `when` hands out: WHEN_IDS, WHEN_IDS + 1, ...
GIVEN_IDS = 0xF0000


def at(days: float = 0, hours: float = 0, minutes: float = 0, seconds: float = 0) -> datetime:
    """A moment relative to the fixed NOW."""
    return NOW + timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


@dataclass
class Ids:
    """A deterministic id source: UUID(int=start), UUID(int=start + 1), ..."""

    next_int: int

    def __call__(self) -> UUID:
        value = UUID(int=self.next_int)
        self.next_int += 1
        return value


def register_command(**overrides: Any) -> RegisterVehicle:
    """A valid registration of VEHICLE, with some fields overridden."""
    fields: dict[str, Any] = {
        "vehicle_id": VEHICLE,
        "vin": "WVWZZZ1JZXW000001",
        "plate": "B-FL 1234",
        "make": "Volkswagen",
        "model": "Golf",
        "year": 2028,
        "seats": 5,
        "hourly_rate_cents": HOURLY,
        "daily_rate_cents": DAILY,
        "currency": "EUR",
        "odometer_km": ODOMETER,
        "home": None,
    }
    return RegisterVehicle(**{**fields, **overrides})


def book(
    start: datetime, end: datetime, booking_id: UUID = BOOKING, customer: UUID = CUSTOMER
) -> BookVehicle:
    """BookVehicle of [start, end)."""
    return BookVehicle(booking_id=booking_id, customer_id=customer, start=start, end=end)


def place_hold(
    start: datetime, end: datetime, hold_id: UUID = HOLD, ttl_seconds: int = 900
) -> PlaceHold:
    """PlaceHold of [start, end) for CUSTOMER."""
    return PlaceHold(
        hold_id=hold_id, customer_id=CUSTOMER, start=start, end=end, ttl_seconds=ttl_seconds
    )


def schedule(
    start: datetime, end: datetime, maintenance_id: UUID = MAINTENANCE
) -> ScheduleMaintenance:
    """ScheduleMaintenance of [start, end)."""
    return ScheduleMaintenance(
        maintenance_id=maintenance_id, start=start, end=end, reason="service"
    )


def start_trip(
    booking_id: UUID = BOOKING, trip_id: UUID = TRIP, odometer_km: int = ODOMETER
) -> StartTrip:
    """StartTrip on a booking."""
    return StartTrip(trip_id=trip_id, booking_id=booking_id, odometer_km=odometer_km)


def end_trip(trip_id: UUID = TRIP, odometer_km: int = ODOMETER + 42) -> EndTrip:
    """EndTrip of a trip."""
    return EndTrip(trip_id=trip_id, odometer_km=odometer_km)


def cancel(booking_id: UUID = BOOKING) -> CancelBooking:
    """CancelBooking of a booking."""
    return CancelBooking(booking_id=booking_id, reason="plans changed")


@dataclass
class Vehicle:
    """One vehicle stream for given/when/then specs."""

    history: list[Event] = field(default_factory=list)
    ids: Ids = field(default_factory=lambda: Ids(GIVEN_IDS))

    @property
    def state(self) -> VehicleState | None:
        """The state after the history."""
        return fold(self.history)

    @property
    def version(self) -> int:
        """The stream version after the history (0 when empty)."""
        return len(self.history)

    def given(self, *commands: Command, at: datetime = REGISTERED_AT) -> Vehicle:
        """Append the events `commands` produce when decided at `at`."""
        for command in commands:
            self.history += decide(self.state, command, at, self.ids)
        return self

    def when(self, command: Command, at: datetime = NOW) -> list[Event]:
        """The events `command` produces at `at` (ids from WHEN_IDS)."""
        return decide(self.state, command, at, Ids(WHEN_IDS))

    def then(self, cls: type[E], position: int = 1, at: datetime = NOW, **fields: Any) -> E:
        """The `position`-th event a `when` at `at` is expected to produce."""
        return cls(
            event_id=UUID(int=WHEN_IDS + position - 1),
            vehicle_id=VEHICLE,
            version=self.version + position,
            occurred_at=at,
            organization_id=DEFAULT_ORGANIZATION_ID,
            **fields,
        )

    def after(self, command: Command, at: datetime = NOW) -> VehicleState:
        """The state after deciding and applying `command` at `at`."""
        state = fold(self.when(command, at), self.state)
        assert state is not None
        return state


def registered_vehicle() -> Vehicle:
    """A vehicle registered at REGISTERED_AT with the standard details."""
    return Vehicle().given(register_command())


EVERY_COMMAND_BUT_REGISTRATION: list[Command] = [
    UpdateVehicleDetails(make="Seat"),
    ChangeVehicleStatus(status="inactive", reason="x"),
    RetireVehicle(reason="x"),
    PlaceHold(hold_id=HOLD, customer_id=CUSTOMER, start=at(days=1), end=at(days=2)),
    ConfirmHold(hold_id=HOLD, booking_id=BOOKING),
    ReleaseHold(hold_id=HOLD),
    ExpireHold(hold_id=HOLD),
    BookVehicle(booking_id=BOOKING, customer_id=CUSTOMER, start=at(days=1), end=at(days=2)),
    CancelBooking(booking_id=BOOKING, reason="x"),
    StartTrip(trip_id=TRIP, booking_id=BOOKING, odometer_km=1),
    EndTrip(trip_id=TRIP, odometer_km=1),
    ScheduleMaintenance(maintenance_id=MAINTENANCE, start=at(days=1), end=at(days=2), reason="x"),
    CompleteMaintenance(maintenance_id=MAINTENANCE, odometer_km=1),
]
