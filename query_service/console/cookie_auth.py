"""Lets the console's page read /v1/... with its session cookie instead of a header.

Only safe methods (GET, HEAD) of the read API, only when no Authorization header came,
and only for a staff member's valid token: the cookie then becomes the bearer token the
routes check as usual. It never authorizes a write, and a customer's or an expired
token is simply not used (the route answers 401).
"""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie

from starlette.types import ASGIApp, Receive, Scope, Send

from query_service.console.session import ACCESS_COOKIE, CONSOLE_ROLES
from shared.kit.http.errors import HttpProblem

_SAFE = frozenset({"GET", "HEAD"})


def _cookie(headers: list[tuple[bytes, bytes]]) -> str | None:
    for key, value in headers:
        if key == b"cookie":
            try:
                jar: SimpleCookie = SimpleCookie(value.decode("latin-1"))
            except CookieError:
                return None
            morsel = jar.get(ACCESS_COOKIE)
            if morsel is not None:
                return morsel.value
    return None


class ConsoleCookieAuth:
    """Pure ASGI middleware: the console cookie as `Authorization: Bearer` on reads."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in _SAFE
            and scope["path"].startswith("/v1/")
            and not any(key == b"authorization" for key, _ in scope["headers"])
        ):
            token = _cookie(scope["headers"])
            if token and await self._is_staff(scope, token):
                scope = {**scope, "headers": [*scope["headers"], _bearer(token)]}
        await self.app(scope, receive, send)

    @staticmethod
    async def _is_staff(scope: Scope, token: str) -> bool:
        try:
            principal = await scope["app"].state.verifier.verify(token)
        except HttpProblem:
            return False
        return principal.role in CONSOLE_ROLES


def _bearer(token: str) -> tuple[bytes, bytes]:
    return (b"authorization", f"Bearer {token}".encode("latin-1"))
