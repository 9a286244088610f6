"""FastAPI dependencies: who is calling (401 otherwise) and may they (403 otherwise)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import structlog
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.kit.auth.errors import ForbiddenError, NotAuthenticatedError
from shared.kit.auth.principal import Principal, Role
from shared.kit.auth.tokens import TokenVerifier

# Declares the scheme in the OpenAPI documents; errors are ours (problem+json, RFC 6750).
_bearer = HTTPBearer(auto_error=False, description="An access token from POST /v1/auth/token")


async def authenticate(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller named by `Authorization: Bearer <token>` (app.state.verifier checks it)."""
    if credentials is None or not credentials.credentials.strip():
        if "authorization" in request.headers:
            raise NotAuthenticatedError("Authorization must be 'Bearer <access_token>'")
        raise NotAuthenticatedError()
    verifier: TokenVerifier = request.app.state.verifier
    principal = await verifier.verify(credentials.credentials.strip())
    request.state.principal = principal
    structlog.contextvars.bind_contextvars(user_id=str(principal.user_id))
    return principal


def require_role(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency admitting only callers with one of `roles`."""
    allowed = frozenset(roles)

    async def dependency(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if principal.role not in allowed:
            raise ForbiddenError(f"this needs the role {' or '.join(sorted(allowed))}")
        return principal

    return dependency


def require_operator(*also: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency admitting the installation's operators (Principal.operates_installation)
    and callers with one of `also`."""
    allowed = frozenset(also)

    async def dependency(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if not principal.operates_installation and principal.role not in allowed:
            raise ForbiddenError(
                "this needs a platform admin, an admin of the default organization"
                + "".join(f" or the role {role}" for role in sorted(allowed))
            )
        return principal

    return dependency


Caller = Annotated[Principal, Depends(authenticate)]
Staff = Annotated[Principal, Depends(require_role("fleet_manager", "admin"))]
