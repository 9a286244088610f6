"""One exception per broken read rule, mapped to problem+json in one handler."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from starlette.responses import Response

from shared.kit.http.problems import slug_of
from shared.kit.http.responses import problem


class QueryError(Exception):
    """Base of the errors the read API answers with a problem; never raised itself."""

    status = 500
    title = "Query failed"

    def extra(self) -> dict[str, Any]:
        return {}


class NotFoundError(QueryError):
    """Base of the unknown-id errors (404)."""

    status = 404
    title = "Not found"


class VehicleNotFoundError(NotFoundError):
    """No vehicle with this id has been projected."""


class BookingNotFoundError(NotFoundError):
    """No booking with this id has been projected."""


class HoldNotFoundError(NotFoundError):
    """No hold with this id has been projected."""


class TripNotFoundError(NotFoundError):
    """No trip with this id has been projected."""


class MaintenanceNotFoundError(NotFoundError):
    """No maintenance window with this id has been projected."""


class LocationNotFoundError(NotFoundError):
    """No location with this id has been projected in the caller's organization."""


class PaymentNotFoundError(NotFoundError):
    """No payment with this id has been projected (or it is another customer's)."""


class PricingPolicyNotFoundError(NotFoundError):
    """No pricing policy (or version of it) with this id in the caller's organization."""


class InvalidQueryError(QueryError):
    """A query parameter is well-typed but breaks a rule (end before start, ...)."""

    status = 422
    title = "Invalid request"

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field

    def extra(self) -> dict[str, Any]:
        return {"errors": [{"field": self.field, "message": str(self), "type": "value_error"}]}


class InvalidCursorError(InvalidQueryError):
    """The cursor was not issued by this endpoint or is damaged."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "cursor")


class MalformedConsistencyTokenError(QueryError):
    """X-Consistency-Token is not a token the command service issued."""

    status = 400
    title = "Malformed consistency token"


class ConsistencyTimeoutError(QueryError):
    """The projections did not reach the token's version within the wait."""

    status = 503
    title = "Projection behind"

    def __init__(self, message: str, vehicle_id: str, wanted: int, seen: int) -> None:
        super().__init__(message)
        self.vehicle_id, self.wanted, self.seen = vehicle_id, wanted, seen

    def extra(self) -> dict[str, Any]:
        return {"vehicle_id": self.vehicle_id, "wanted_version": self.wanted,
                "projected_version": self.seen}  # fmt: skip


def _slug(exc: QueryError) -> str:
    if isinstance(exc, InvalidQueryError):
        return "validation"  # the same type as schema validation errors
    return slug_of(type(exc).__name__)


async def _query_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, QueryError)
    return problem(exc.status, exc.title, str(exc), _slug(exc), **exc.extra())


def install_query_errors(app: FastAPI) -> None:
    """Every QueryError → problem+json with its status (503 carries Retry-After)."""
    app.add_exception_handler(QueryError, _query_error)
