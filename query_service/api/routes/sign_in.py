"""Swagger's Authorize button on the query service: the OAuth2 password grant, relayed.

Only the command service issues tokens. A browser on the query service's /docs cannot
post to the command service's origin (no CORS there), so the password form is relayed
to it unchanged and its answer, problem+json included, comes back as it was given.
"""

from __future__ import annotations

import httpx
from fastapi import APIRouter, Request, Response

from shared.kit.auth.client import TOKEN_FORM_PATH
from shared.kit.http.errors import HttpProblem

router = APIRouter(tags=["identity"])
_RETURNED = ("content-type", "cache-control", "retry-after", "www-authenticate")


class IdentityUnreachableError(HttpProblem):
    """The command service, which signs tokens in, did not answer."""

    status = 503
    title = "Identity unavailable"


@router.post(TOKEN_FORM_PATH, include_in_schema=False)
async def token_form(request: Request) -> Response:
    """Sign in with the OAuth2 password-grant form, through the command service."""
    http: httpx.AsyncClient = request.app.state.command_http
    headers = {"content-type": request.headers.get("content-type", "")}
    try:
        answer = await http.post(TOKEN_FORM_PATH, content=await request.body(), headers=headers)
    except httpx.HTTPError as exc:
        raise IdentityUnreachableError("the command service cannot be reached") from exc
    returned = {k: v for k, v in answer.headers.items() if k in _RETURNED}
    return Response(answer.content, status_code=answer.status_code, headers=returned)
