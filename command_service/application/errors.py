"""Errors of the application layer (not domain rules); the API maps them like domain errors."""

from __future__ import annotations

from command_service.domain.errors import DomainError


class PreconditionFailedError(DomainError):
    """If-Match named a version that is no longer the vehicle's current one."""


class IdempotencyKeyReuseError(DomainError):
    """The Idempotency-Key was first used with a different request."""


class EntityClosedError(DomainError):
    """The hold, booking, trip or maintenance window lies in the past and is archived."""


class ContentionError(DomainError):
    """The vehicle changed under every retry; the client may try again shortly."""


class AlreadyAnsweredError(Exception):
    """A request with the same Idempotency-Key was answered first: nothing was appended,
    and the caller replays that first answer."""
