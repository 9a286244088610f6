"""One exception per broken rule. The API maps each to an HTTP status in one table."""

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
    """Base of every rule violation; `detail` says what was refused and why."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidCommandError(DomainError):
    """The command is malformed for this domain (bad VIN, window too short, ...)."""

    def __init__(self, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.field = field


class VehicleNotFoundError(DomainError):
    """No vehicle with that id exists."""


class UnknownEntityError(DomainError):
    """No hold, booking, trip or maintenance window with that id exists (for this actor)."""

    @classmethod
    def of(cls, kind: str, entity_id: UUID) -> UnknownEntityError:
        """The one wording of "not found", whether the id is unknown or not the caller's."""
        return cls(f"no {kind} with id {entity_id}")


class VehicleAlreadyRegisteredError(DomainError):
    """The stream already holds a registered vehicle."""


class VinTakenError(DomainError):
    """Another vehicle of the fleet has this VIN."""


class PlateTakenError(DomainError):
    """Another vehicle of the fleet has this plate."""


class IdAlreadyUsedError(DomainError):
    """The id chosen for a new hold, booking, trip or maintenance window is taken on the vehicle."""


class VehicleRetiredError(DomainError):
    """The vehicle was retired and accepts no more commands."""


class VehicleInactiveError(DomainError):
    """An inactive vehicle cannot be held or booked."""


class InvalidTransitionError(DomainError):
    """The status machine does not allow this transition."""


class OverlappingBlockError(DomainError):
    """The window overlaps a booking, an unexpired hold or a maintenance window."""

    def __init__(self, detail: str, conflicts: list[Conflict]) -> None:
        super().__init__(detail)
        self.conflicts = conflicts


class FutureBookingsExistError(DomainError):
    """A vehicle with future bookings, live holds or a running trip cannot be retired."""

    def __init__(self, detail: str, conflicts: list[Conflict]) -> None:
        super().__init__(detail)
        self.conflicts = conflicts


class HoldNotActiveError(DomainError):
    """The hold has expired, been released or been confirmed already."""


class BookingNotCancellableError(DomainError):
    """The booking has started, ended, or is already cancelled or completed."""


class TripNotAllowedError(DomainError):
    """A trip cannot start: outside the booking window, wrong booking state or vehicle busy."""


class OdometerError(DomainError):
    """An odometer reading is lower than the one already recorded."""


class TripAlreadyEndedError(DomainError):
    """The trip has ended already."""


class MaintenanceAlreadyCompletedError(DomainError):
    """The maintenance window was completed already."""


class OwnershipError(DomainError):
    """A customer named another customer as the one a new hold or booking is for."""


class LocationNotFoundError(DomainError):
    """No location with that id exists in the caller's organization."""

    @classmethod
    def of(cls, location_id: UUID) -> LocationNotFoundError:
        """The one wording of "not found", whether the id is unknown or another org's."""
        return cls(f"no location with id {location_id}")


class PolicyNotFoundError(DomainError):
    """No pricing policy with that id exists in the caller's organization."""

    @classmethod
    def of(cls, policy_id: UUID) -> PolicyNotFoundError:
        """The one wording of "not found", whether the id is unknown or another org's."""
        return cls(f"no pricing policy with id {policy_id}")


class QuoteExpiredError(DomainError):
    """The quote named was valid for 15 minutes, and they are over: ask for a new one."""


class QuoteMismatchError(InvalidCommandError):
    """The quote named is for another vehicle, window or set of extras."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, "quote_id")
