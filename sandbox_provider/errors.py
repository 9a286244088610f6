"""The sandbox provider's refusals, each with its HTTP status (rendered as problem+json)."""

from __future__ import annotations

from starlette.responses import Response

from shared.kit.http.errors import HttpProblem
from shared.kit.http.problems import slug_of
from shared.kit.http.responses import problem


class UnknownAuthorizationError(HttpProblem):
    """No authorization has this id."""

    status = 404
    title = "Not found"


class UnknownEventError(HttpProblem):
    """No webhook event has this id."""

    status = 404
    title = "Not found"


class InvalidTransitionError(HttpProblem):
    """The authorization's status does not allow this operation."""

    status = 409
    title = "Invalid state transition"


class AmountTooLargeError(HttpProblem):
    """The amount exceeds what may still be captured or refunded."""

    status = 422
    title = "Amount too large"


class IdempotencyKeyReusedError(HttpProblem):
    """The idempotency key was used before with a different request."""

    status = 422
    title = "Idempotency key reused"


class MissingIdempotencyKeyError(HttpProblem):
    """A money-moving request came without a usable Idempotency-Key header."""

    status = 400
    title = "Idempotency-Key required"


class ProviderDownError(HttpProblem):
    """A test switched the provider off for a while."""

    status = 503
    title = "Provider unavailable"


def render(exc: HttpProblem) -> Response:
    """The problem+json response of `exc` (the same bytes the shared handler sends)."""
    return problem(exc.status, exc.title, exc.detail, slug_of(type(exc).__name__), exc.headers)
