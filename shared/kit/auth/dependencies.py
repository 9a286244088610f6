"""FastAPI dependencies: who is calling (401 otherwise) and may they (403 otherwise).

Each is one dependency, an `HTTPBearer` that also verifies the token and checks the role:
it declares the scheme in the OpenAPI documents like the plain one, and FastAPI resolves
one level per request instead of three (resolution costs per level, on every request).
Errors are ours (problem+json, RFC 6750).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import structlog
from fastapi import Depends, Request
from fastapi.security import HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param

from shared.kit.auth.errors import ForbiddenError, NotAuthenticatedError
from shared.kit.auth.principal import Principal, Role
from shared.kit.auth.tokens import TokenVerifier


async def authenticated(request: Request) -> Principal:
    """The caller named by `Authorization: Bearer <token>` (app.state.verifier checks it),
    verified once per request."""
    known: Principal | None = getattr(request.state, "principal", None)
    if known is not None:
        return known
    header = request.headers.get("authorization")
    scheme, token = get_authorization_scheme_param(header)
    if scheme.lower() != "bearer" or not token.strip():
        if header is not None:
            raise NotAuthenticatedError("Authorization must be 'Bearer <access_token>'")
        raise NotAuthenticatedError()
    verifier: TokenVerifier = request.app.state.verifier
    principal = await verifier.verify(token.strip())
    request.state.principal = principal
    structlog.contextvars.bind_contextvars(user_id=str(principal.user_id))
    return principal


class _Admitting(HTTPBearer):
    """The authenticated caller, once `admit` (raising ForbiddenError) let them in."""

    def __init__(self, admit: Callable[[Principal], None]) -> None:
        super().__init__(
            auto_error=False,
            scheme_name="HTTPBearer",
            description="An access token from POST /v1/auth/token",
        )
        self._admit = admit

    async def __call__(self, request: Request) -> Principal:  # type: ignore[override]
        principal = await authenticated(request)
        self._admit(principal)
        return principal


def require_role(*roles: Role) -> _Admitting:
    """A dependency admitting only callers with one of `roles`."""
    allowed = frozenset(roles)

    def admit(principal: Principal) -> None:
        if principal.role not in allowed:
            raise ForbiddenError(f"this needs the role {' or '.join(sorted(allowed))}")

    return _Admitting(admit)


def require_operator(*also: Role) -> _Admitting:
    """A dependency admitting the installation's operators (Principal.operates_installation)
    and callers with one of `also`."""
    allowed = frozenset(also)

    def admit(principal: Principal) -> None:
        if not principal.operates_installation and principal.role not in allowed:
            raise ForbiddenError(
                "this needs a platform admin, an admin of the default organization"
                + "".join(f" or the role {role}" for role in sorted(allowed))
            )

    return _Admitting(admit)


Caller = Annotated[Principal, Depends(_Admitting(lambda _: None))]
Staff = Annotated[Principal, Depends(require_role("fleet_manager", "admin"))]
