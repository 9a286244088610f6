"""Errors of the application layer (not domain rules), mapped to HTTP like domain errors."""

from __future__ import annotations

from command_service.domain.errors import DomainError


class PreconditionFailedError(DomainError):
    """If-Match named a version that is no longer the vehicle's current one."""

    status = 412
    title = "Precondition failed"


class IdempotencyKeyReuseError(DomainError):
    """The Idempotency-Key was first used with a different request."""

    status = 422
    title = "Idempotency-Key reused with a different request"


class EntityClosedError(DomainError):
    """The hold, booking, trip or maintenance window lies in the past and is archived."""

    title = "No longer active"


class ContentionError(DomainError):
    """The vehicle changed under every retry; the client may try again shortly."""

    status = 503
    title = "Too much contention"
