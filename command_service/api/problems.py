"""Domain and application errors → RFC 9457 problem+json: the one table of their statuses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import structlog
from fastapi import FastAPI, Request
from starlette.responses import Response

from command_service.application.errors import (
    ContentionError,
    EntityClosedError,
    IdempotencyKeyReuseError,
    PreconditionFailedError,
)
from command_service.devclock import ClockWouldGoBackwardsError
from command_service.domain import errors as de
from shared.kit.http.problems import install_common_handlers, slug_of
from shared.kit.http.responses import problem

log = structlog.get_logger("command_service.problems")


@dataclass(frozen=True)
class ProblemType:
    """How one kind of refusal reads over HTTP."""

    status: int
    title: str


# A subclass not listed answers as its nearest listed base (DomainError: 409).
PROBLEM_TYPES: dict[type[de.DomainError], ProblemType] = {
    de.DomainError: ProblemType(409, "Conflict"),
    de.InvalidCommandError: ProblemType(422, "Invalid command"),
    de.OwnershipError: ProblemType(403, "Forbidden"),
    de.VehicleNotFoundError: ProblemType(404, "Vehicle not found"),
    de.UnknownEntityError: ProblemType(404, "Not found"),
    de.LocationNotFoundError: ProblemType(404, "Location not found"),
    de.PolicyNotFoundError: ProblemType(404, "Pricing policy not found"),
    de.VehicleAlreadyRegisteredError: ProblemType(409, "Vehicle already registered"),
    de.VinTakenError: ProblemType(409, "VIN already registered"),
    de.PlateTakenError: ProblemType(409, "Plate already registered"),
    de.IdAlreadyUsedError: ProblemType(409, "Id already used"),
    de.VehicleRetiredError: ProblemType(409, "Vehicle retired"),
    de.VehicleInactiveError: ProblemType(409, "Vehicle inactive"),
    de.InvalidTransitionError: ProblemType(409, "Status transition not allowed"),
    de.OverlappingBlockError: ProblemType(409, "Calendar overlap"),
    de.FutureBookingsExistError: ProblemType(409, "Future bookings exist"),
    de.HoldNotActiveError: ProblemType(409, "Hold not active"),
    de.BookingNotCancellableError: ProblemType(409, "Booking cannot be cancelled"),
    de.TripNotAllowedError: ProblemType(409, "Trip not allowed"),
    de.OdometerError: ProblemType(409, "Odometer reading too low"),
    de.TripAlreadyEndedError: ProblemType(409, "Trip already ended"),
    de.MaintenanceAlreadyCompletedError: ProblemType(409, "Maintenance already completed"),
    de.QuoteExpiredError: ProblemType(409, "Quote expired"),
    de.QuoteMismatchError: ProblemType(422, "Quote does not match"),
    EntityClosedError: ProblemType(409, "No longer active"),
    PreconditionFailedError: ProblemType(412, "Precondition failed"),
    IdempotencyKeyReuseError: ProblemType(422, "Idempotency-Key reused with a different request"),
    ContentionError: ProblemType(503, "Too much contention"),
    ClockWouldGoBackwardsError: ProblemType(409, "Clock would go backwards"),
}


def problem_type(error: type[de.DomainError]) -> ProblemType:
    """The table row of `error` or of its nearest listed base class."""
    return next(PROBLEM_TYPES[c] for c in error.__mro__ if c in PROBLEM_TYPES)


def problem_of(exc: de.DomainError) -> Response:
    """The problem+json response that answers `exc`."""
    kind = problem_type(type(exc))
    extra: dict[str, Any] = {}
    if isinstance(exc, de.OverlappingBlockError | de.FutureBookingsExistError):
        extra["conflicts"] = [
            {"kind": c.kind, "id": c.id, "start": c.start, "end": c.end} for c in exc.conflicts
        ]
    if isinstance(exc, de.InvalidCommandError):
        extra["errors"] = [{"field": exc.field or "body", "message": exc.detail}]
    return problem(kind.status, kind.title, exc.detail, slug_of(type(exc).__name__), **extra)


async def _domain_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, de.DomainError)
    if isinstance(exc, ContentionError):
        log.warning("command_contention", detail=exc.detail)
    return problem_of(exc)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(de.DomainError, _domain_error)
    install_common_handlers(app)
