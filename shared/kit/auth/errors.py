"""Authentication and authorization failures (RFC 6750 challenges on 401)."""

from __future__ import annotations

from shared.kit.http.errors import HttpProblem


class NotAuthenticatedError(HttpProblem):
    """No bearer token came with a request that needs one."""

    status = 401
    title = "Not authenticated"

    def __init__(self, detail: str = "send Authorization: Bearer <access_token>") -> None:
        super().__init__(detail, {"WWW-Authenticate": 'Bearer realm="fleetledger"'})


class InvalidTokenError(HttpProblem):
    """The token is malformed, expired, revoked or not signed by a key we trust."""

    status = 401
    title = "Invalid token"

    def __init__(self, detail: str) -> None:
        challenge = (
            f'Bearer realm="fleetledger", error="invalid_token", error_description="{detail}"'
        )
        super().__init__(detail, {"WWW-Authenticate": challenge})


class ForbiddenError(HttpProblem):
    """The caller is known but their role or ownership does not allow this."""

    status = 403
    title = "Forbidden"


class TooManyAttemptsError(HttpProblem):
    """Too many attempts from this address or on this account; retry later."""

    status = 429
    title = "Too many attempts"

    def __init__(self, detail: str, retry_after_s: int) -> None:
        super().__init__(detail, {"Retry-After": str(max(1, retry_after_s))})


class RevocationsUnavailableError(HttpProblem):
    """The revocation list has not loaded yet, so no token can be trusted right now."""

    status = 503
    title = "Cannot verify tokens"

    def __init__(self) -> None:
        super().__init__("the token revocation list is not loaded yet", {"Retry-After": "2"})
