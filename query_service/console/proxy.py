"""The console's commands, relayed to the command service with the operator's own token.

The browser never holds a token: it POSTs here with its session cookie and CSRF header,
and this relays an allow-listed command with `Authorization: Bearer <the cookie's
token>`, so the command service still decides (roles, rules, 409 conflicts) and audits
the operator as the actor. The answer, problem+json included, comes back unchanged.
"""

from __future__ import annotations

import re

import httpx
from fastapi import APIRouter, Depends, Request, Response

from query_service.console.csrf import require_csrf
from query_service.console.session import (
    ACCESS_COOKIE,
    CommandServiceProblem,
    command_http,
    console_staff,
)

router = APIRouter(
    prefix="/console/api/commands",
    tags=["console"],
    include_in_schema=False,
    dependencies=[Depends(console_staff)],
)
_ID = r"[0-9a-fA-F-]{36}"
COMMANDS = tuple(
    re.compile(pattern)
    for pattern in (
        rf"v1/bookings/{_ID}/cancel",
        rf"v1/vehicles/{_ID}/(status|retire|maintenance)",
        rf"v1/maintenance/{_ID}/complete",
    )
)
READS = (re.compile(rf"v1/vehicles/{_ID}/history"),)
_FORWARDED = ("content-type", "idempotency-key", "if-match")
_RETURNED = ("content-type", "etag", "retry-after")


class CommandNotRelayedError(CommandServiceProblem):
    """The console relays only the commands its pages offer."""

    def __init__(self, path: str) -> None:
        super().__init__(404, f"the console does not relay {path!r}")
        self.title = "Not found"


async def _relay(request: Request, path: str, allowed: tuple[re.Pattern[str], ...]) -> Response:
    if not any(pattern.fullmatch(path) for pattern in allowed):
        raise CommandNotRelayedError(path)
    headers = {k: v for k, v in request.headers.items() if k in _FORWARDED}
    headers["authorization"] = f"Bearer {request.cookies.get(ACCESS_COOKIE, '')}"
    try:
        answer = await command_http(request).request(
            request.method,
            f"/{path}",
            params=request.query_params,
            headers=headers,
            content=await request.body(),
        )
    except httpx.HTTPError as exc:
        raise CommandServiceProblem(503, "the command service cannot be reached") from exc
    returned = {k: v for k, v in answer.headers.items() if k in _RETURNED}
    return Response(answer.content, status_code=answer.status_code, headers=returned)


@router.post("/{path:path}", dependencies=[Depends(require_csrf)])
async def command(request: Request, path: str) -> Response:
    """Relay one allow-listed command (CSRF-checked)."""
    return await _relay(request, path, COMMANDS)


@router.get("/{path:path}")
async def read(request: Request, path: str) -> Response:
    """Relay one allow-listed command-side read (the audit trail)."""
    return await _relay(request, path, READS)
