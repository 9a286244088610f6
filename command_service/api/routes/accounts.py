"""Account administration (an organization's admins, platform admins) and the revocation
feed (the query service)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from command_service.api import response_models as rm
from command_service.api.auth_schemas import PasswordBody
from command_service.api.routes.auth import Admin, identity_of
from command_service.identity import revocations
from command_service.identity.users import Reach
from shared.kit.auth.dependencies import require_operator
from shared.kit.http.responses import JSON

router = APIRouter(tags=["identity"])


@router.post("/v1/users/{user_id}/disable", response_model=rm.User)
async def disable(user_id: UUID, admin: Admin, request: Request) -> JSON:
    """Disable an account of the caller's organization: it cannot sign in or refresh, and
    its access tokens stop working within about a second on both services (409 for an
    organization's last admin)."""
    reach = Reach.of(admin)
    user = await identity_of(request).set_disabled(user_id, True, admin.actor, reach)
    return JSON(user.public())


@router.post("/v1/users/{user_id}/enable", response_model=rm.User)
async def enable(user_id: UUID, admin: Admin, request: Request) -> JSON:
    """Re-enable a disabled account of the caller's organization (it signs in again; old
    tokens stay void)."""
    reach = Reach.of(admin)
    user = await identity_of(request).set_disabled(user_id, False, admin.actor, reach)
    return JSON(user.public())


@router.post("/v1/users/{user_id}/password", status_code=204, response_class=Response)
async def reset_password(
    user_id: UUID, body: PasswordBody, admin: Admin, request: Request
) -> Response:
    """Set the password of an account of the caller's organization; every session and
    access token of it ends."""
    reach = Reach.of(admin)
    await identity_of(request).reset_password(user_id, body.password, admin.actor, reach)
    return Response(status_code=204)


@router.get(
    "/v1/auth/revocations",
    response_model=rm.RevocationFeed,
    dependencies=[Depends(require_operator("service"))],
)
async def revocation_feed(
    request: Request, after: Annotated[int, Query(ge=0, le=2**62)] = 0
) -> JSON:
    """Access-token revocations after a cursor, for verifiers that pull them every second
    (`kind` account: tokens of `subject` below `generation` are void; session: tokens
    whose `sid` is `subject`). The service account and installation operators only: it
    names accounts of every organization."""
    rows, next_after = await revocations.after(request.app.state.pool, after)
    body = {"items": [row.wire() for row in rows], "next_after": next_after}
    return JSON(body, headers={"Cache-Control": "no-store"})
