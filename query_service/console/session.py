"""Console sessions: sign-in against the command service, tokens kept in HttpOnly cookies.

The access token lives in an HttpOnly, SameSite=Strict cookie (Secure over https), so
page scripts never see it and the browser sends it with same-origin reads and with the
EventSource of /v1/stream. The refresh token's cookie is scoped to /console/session.
State-changing requests must carry the CSRF header (see csrf.py). Only staff get a
session: a customer's sign-in is revoked at once and answered 403.
"""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import jwt
from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from query_service.api.context import now_of
from query_service.console.csrf import CSRF_COOKIE, require_csrf, require_same_origin
from shared.kit.auth.errors import ForbiddenError, NotAuthenticatedError
from shared.kit.auth.principal import Principal
from shared.kit.auth.tokens import TokenVerifier
from shared.kit.http.errors import HttpProblem
from shared.kit.http.responses import JSON

ACCESS_COOKIE = "fleet_console"
REFRESH_COOKIE = "fleet_console_refresh"
SESSION_PATH = "/console/session"
CONSOLE_ROLES = frozenset({"fleet_manager", "admin"})

router = APIRouter(prefix=SESSION_PATH, tags=["console"], include_in_schema=False)


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=256)


class CommandServiceProblem(HttpProblem):
    """The identity service answered with an error; its status and detail are relayed."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail, headers)
        self.status = status
        self.title = "Sign-in failed" if status in (401, 422, 429) else "Identity unavailable"


def command_http(request: Request) -> httpx.AsyncClient:
    """The client bound to the command service (created in the app's lifespan)."""
    http: httpx.AsyncClient = request.app.state.command_http
    return http


async def staff_of(request: Request, token: str | None) -> Principal | None:
    """The staff member a console access token names, else None (invalid, expired, customer)."""
    if not token:
        return None
    verifier: TokenVerifier = request.app.state.verifier
    try:
        principal = await verifier.verify(token)
    except HttpProblem:
        return None
    return principal if principal.role in CONSOLE_ROLES else None


def _expiry(token: str) -> int:
    """The `exp` claim of a token already verified."""
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return int(claims["exp"])


def _set_cookies(request: Request, response: Response, pair: dict[str, Any]) -> None:
    secure = request.url.scheme == "https"
    common: dict[str, Any] = {"secure": secure, "samesite": "strict"}
    response.set_cookie(ACCESS_COOKIE, pair["access_token"], httponly=True, path="/", **common)
    response.set_cookie(
        REFRESH_COOKIE, pair["refresh_token"], httponly=True, path=SESSION_PATH, **common
    )
    csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
    response.set_cookie(CSRF_COOKIE, csrf, httponly=False, path="/", **common)


def _clear_cookies(response: Response) -> None:
    response.delete_cookie(ACCESS_COOKIE, path="/")
    response.delete_cookie(REFRESH_COOKIE, path=SESSION_PATH)
    response.delete_cookie(CSRF_COOKIE, path="/")


def _session_body(request: Request, principal: Principal, token: str) -> dict[str, Any]:
    return {
        "user_id": str(principal.user_id),
        "role": principal.role,
        "expires_at": _expiry(token),
        "server_now": now_of(request).isoformat(),
    }


async def _call(request: Request, path: str, body: dict[str, Any]) -> httpx.Response:
    try:
        return await command_http(request).post(path, json=body)
    except httpx.HTTPError as exc:
        raise CommandServiceProblem(503, "the identity service cannot be reached") from exc


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail") or response.reason_phrase)
    except ValueError:
        return response.reason_phrase


async def _revoke(request: Request, refresh_token: str | None) -> None:
    if refresh_token:
        await _call(request, "/v1/auth/logout", {"refresh_token": refresh_token})


async def _open(request: Request, pair: dict[str, Any]) -> JSON:
    """A session response for a fresh token pair, or 403 (revoking it) for non-staff."""
    principal = await staff_of(request, pair["access_token"])
    if principal is None:
        await _revoke(request, pair["refresh_token"])
        raise ForbiddenError("the console is for fleet managers and admins")
    response = JSON({"signed_in": True, **_session_body(request, principal, pair["access_token"])})
    _set_cookies(request, response, pair)
    return response


@router.post("", dependencies=[Depends(require_same_origin)])
async def sign_in(request: Request, body: SignIn) -> JSON:
    """Sign in with e-mail and password; staff only."""
    answer = await _call(request, "/v1/auth/token", body.model_dump())
    if answer.status_code != 200:
        retry = (
            {"Retry-After": answer.headers["retry-after"]}
            if "retry-after" in answer.headers
            else {}
        )
        raise CommandServiceProblem(answer.status_code, _detail(answer), retry)
    return await _open(request, answer.json())


@router.get("")
async def current(request: Request) -> JSON:
    """Who is signed in: `signed_in` false (200, the page's normal first answer) when the
    access cookie is missing, expired or not a staff member's."""
    token = request.cookies.get(ACCESS_COOKIE)
    principal = await staff_of(request, token)
    if principal is None or token is None:
        refreshable = REFRESH_COOKIE in request.cookies
        return JSON({"signed_in": False, "refreshable": refreshable})
    return JSON({"signed_in": True, **_session_body(request, principal, token)})


@router.post("/refresh", dependencies=[Depends(require_csrf)])
async def refresh(request: Request) -> JSON:
    """A new token pair from the refresh cookie (the old refresh token stops working)."""
    token = request.cookies.get(REFRESH_COOKIE)
    if not token:
        raise NotAuthenticatedError("not signed in to the console")
    answer = await _call(request, "/v1/auth/refresh", {"refresh_token": token})
    if answer.status_code != 200:
        raise NotAuthenticatedError("the console session has ended; sign in again")
    return await _open(request, answer.json())


@router.post("/logout", status_code=204, dependencies=[Depends(require_csrf)])
async def logout(request: Request) -> Response:
    """End the sign-in at the command service and forget the cookies."""
    await _revoke(request, request.cookies.get(REFRESH_COOKIE))
    response = Response(status_code=204)
    _clear_cookies(response)
    return response


async def console_staff(request: Request) -> Principal:
    """The staff member signed in to the console (401 otherwise)."""
    principal = await staff_of(request, request.cookies.get(ACCESS_COOKIE))
    if principal is None:
        raise NotAuthenticatedError("not signed in to the console")
    request.state.principal = principal  # its reads are scoped like the API's
    return principal
