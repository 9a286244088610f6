"""Identity endpoints (API.md §Identity): accounts, tokens, roles and the public keys."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from command_service.api import links
from command_service.api import response_models as rm
from command_service.api.auth_schemas import (
    PASSWORD_FORM,
    Credentials,
    RefreshBody,
    RegisterBody,
    RoleBody,
    password_form,
)
from command_service.identity.service import Identity
from command_service.identity.users import Reach
from shared.kit.auth.client import TOKEN_FORM_PATH
from shared.kit.auth.dependencies import Caller, require_operator, require_role
from shared.kit.auth.principal import Principal
from shared.kit.http.client_address import client_address
from shared.kit.http.responses import JSON

router = APIRouter(tags=["identity"])
TOKEN_FORM_URL = TOKEN_FORM_PATH
# Organization admins act on their organization's accounts, platform admins on any
# organization's (users.Reach).
Admin = Annotated[Principal, Depends(require_role("admin", "platform_admin"))]
Operator = Annotated[Principal, Depends(require_operator())]


def identity_of(request: Request) -> Identity:
    identity: Identity = request.app.state.identity
    return identity


@router.post(
    "/v1/auth/register",
    status_code=201,
    response_model=rm.User,
    responses={201: {"description": "The new account.", "links": links.USER_LINKS}},
)
async def register(body: RegisterBody, request: Request) -> JSON:
    """Open a customer account at the organization `organization` names (`default` when
    absent; 404 when no organization has that slug). The e-mail is normalised and unique
    on the installation; the password is hashed with argon2id.

    A taken e-mail gets the same 201 (no account is made), so this cannot tell which
    addresses are registered. 429 when one address registers too often."""
    identity = identity_of(request)
    address = client_address(request.scope, identity.trusted_proxies)
    user = await identity.sign_up(body.email, body.password, body.name, address, body.organization)
    return JSON(user.public(), status_code=201)


@router.post("/v1/auth/token", response_model=rm.TokenPair)
async def token(body: Credentials, request: Request) -> JSON:
    """Sign in: a 15-minute access token and a refresh token. 429 when throttled."""
    return await _signed_in(body, request)


@router.post(TOKEN_FORM_URL, response_model=rm.TokenPair, openapi_extra=PASSWORD_FORM)
async def token_form(request: Request) -> JSON:
    """Sign in with an OAuth2 password-grant form (username = e-mail), as Swagger's
    Authorize button does; otherwise exactly POST /v1/auth/token."""
    return await _signed_in(await password_form(request), request)


async def _signed_in(body: Credentials, request: Request) -> JSON:
    identity = identity_of(request)
    address = client_address(request.scope, identity.trusted_proxies)
    pair = await identity.sign_in(body.email, body.password, address)
    return JSON(pair.body(), headers={"Cache-Control": "no-store"})


@router.post("/v1/auth/refresh", response_model=rm.TokenPair)
async def refresh(body: RefreshBody, request: Request) -> JSON:
    """A new pair; the refresh token sent stops working (reusing it revokes the session)."""
    pair = await identity_of(request).refresh(body.refresh_token)
    return JSON(pair.body(), headers={"Cache-Control": "no-store"})


@router.post("/v1/auth/logout", status_code=204, response_class=Response)
async def logout(body: RefreshBody, request: Request) -> Response:
    """End the session the refresh token belongs to, and its access tokens within about a
    second on both services (204 even when it was unknown)."""
    await identity_of(request).sign_out(body.refresh_token)
    return Response(status_code=204)


@router.get("/v1/auth/me", response_model=rm.User)
async def me(caller: Caller, request: Request) -> JSON:
    """The calling account."""
    user = await identity_of(request).account(caller.user_id)
    return JSON(user.public())


@router.post("/v1/users/{user_id}/role", response_model=rm.User)
async def change_role(user_id: UUID, body: RoleBody, admin: Admin, request: Request) -> JSON:
    """Give an account of the caller's organization another role (its admins, or platform
    admins for any organization; another organization's account answers 404; an
    organization's last admin cannot be demoted); its access tokens with the old role stop
    working within about a second."""
    identity = identity_of(request)
    user = await identity.change_role(user_id, body.role, admin.actor, Reach.of(admin))
    return JSON(user.public())


@router.post("/v1/auth/signing-keys/rotate", response_model=rm.RotatedKey)
async def rotate_signing_key(_: Operator, request: Request) -> JSON:
    """Publish a new key now; it signs after `signs_in_s` (verifiers learn it first), and
    the old one stays published until its last token has expired (platform admins and
    admins of `default`)."""
    kid, signs_in_s = await identity_of(request).keys.rotate()
    return JSON({"kid": kid, "signs_in_s": signs_in_s})


@router.get("/.well-known/jwks.json", response_model=rm.Jwks)
async def jwks(request: Request) -> JSON:
    """Public keys that verify access tokens (RFC 7517), for the query service and others."""
    keys = await identity_of(request).keys.jwks()
    return JSON(keys, headers={"Cache-Control": "public, max-age=60"})
