"""One exception per broken rule. The API maps `status` to HTTP in a single handler."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True)
class Conflict:
    """A calendar block that stands in the way: reported in a 409's `conflicts`."""

    kind: str
    id: UUID
    start: datetime
    end: datetime


class DomainError(Exception):
    """Base of every rule violation; `status` is the HTTP status it maps to."""

    status = 409
    title = "Conflict"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidCommandError(DomainError):
    """The command is malformed for this domain (bad VIN, window too short, ...)."""

    status = 422
    title = "Invalid command"

    def __init__(self, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.field = field


class VehicleNotFoundError(DomainError):
    """No vehicle with that id exists."""

    status = 404
    title = "Vehicle not found"


class UnknownEntityError(DomainError):
    """No hold, booking, trip or maintenance window with that id exists on the vehicle."""

    status = 404
    title = "Not found"


class VehicleAlreadyRegisteredError(DomainError):
    """The stream already holds a registered vehicle."""

    title = "Vehicle already registered"


class VinTakenError(DomainError):
    """Another vehicle of the fleet has this VIN."""

    title = "VIN already registered"


class PlateTakenError(DomainError):
    """Another vehicle of the fleet has this plate."""

    title = "Plate already registered"


class IdAlreadyUsedError(DomainError):
    """The id chosen for a new hold, booking, trip or maintenance window is taken on the vehicle."""

    title = "Id already used"


class VehicleRetiredError(DomainError):
    """The vehicle was retired and accepts no more commands."""

    title = "Vehicle retired"


class VehicleInactiveError(DomainError):
    """An inactive vehicle cannot be held or booked."""

    title = "Vehicle inactive"


class InvalidTransitionError(DomainError):
    """The status machine does not allow this transition."""

    title = "Status transition not allowed"


class OverlappingBlockError(DomainError):
    """The window overlaps a booking, an unexpired hold or a maintenance window."""

    title = "Calendar overlap"

    def __init__(self, detail: str, conflicts: list[Conflict]) -> None:
        super().__init__(detail)
        self.conflicts = conflicts


class FutureBookingsExistError(DomainError):
    """A vehicle with future bookings, live holds or a running trip cannot be retired."""

    title = "Future bookings exist"

    def __init__(self, detail: str, conflicts: list[Conflict]) -> None:
        super().__init__(detail)
        self.conflicts = conflicts


class HoldNotActiveError(DomainError):
    """The hold has expired, been released or been confirmed already."""

    title = "Hold not active"


class BookingNotCancellableError(DomainError):
    """The booking has started, ended, or is already cancelled or completed."""

    title = "Booking cannot be cancelled"


class TripNotAllowedError(DomainError):
    """A trip cannot start: outside the booking window, wrong booking state or vehicle busy."""

    title = "Trip not allowed"


class OdometerError(DomainError):
    """An odometer reading is lower than the one already recorded."""

    title = "Odometer reading too low"


class TripAlreadyEndedError(DomainError):
    """The trip has ended already."""

    title = "Trip already ended"


class MaintenanceAlreadyCompletedError(DomainError):
    """The maintenance window was completed already."""

    title = "Maintenance already completed"


class OwnershipError(DomainError):
    """The actor may not act on another customer's booking, hold or trip."""

    status = 403
    title = "Forbidden"
