"""Organizations (API.md §Organizations and locations): created by platform admins, read
by their members, staffed by their admins."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request

from command_service.api import links
from command_service.api import response_models as rm
from command_service.api.auth_schemas import OrganizationBody, OrganizationPatch, StaffBody
from command_service.api.routes.auth import identity_of
from shared.kit.auth.dependencies import Caller, require_role
from shared.kit.auth.principal import Principal
from shared.kit.http.responses import JSON

router = APIRouter(tags=["organizations"])
PlatformAdmin = Annotated[Principal, Depends(require_role("platform_admin"))]
Staffer = Annotated[Principal, Depends(require_role("admin", "platform_admin"))]


@router.post(
    "/v1/organizations",
    status_code=201,
    response_model=rm.Organization,
    responses={201: {"description": "The new organization.", "links": links.ORGANIZATION_LINKS}},
)
async def create_organization(
    body: OrganizationBody, caller: PlatformAdmin, request: Request
) -> JSON:
    """Create an organization (platform admins only); 409 when the slug is taken."""
    organization = await identity_of(request).create_organization(
        body.slug, body.name, caller.actor
    )
    return JSON(organization.public(), status_code=201)


@router.get("/v1/organizations/{organization_id}", response_model=rm.Organization)
async def get_organization(organization_id: UUID, caller: Caller, request: Request) -> JSON:
    """The organization, for its members and platform admins; 404 for anyone else, with
    the body an unknown id gets."""
    organization = await identity_of(request).organization(caller, organization_id)
    return JSON(organization.public())


@router.patch("/v1/organizations/{organization_id}", response_model=rm.Organization)
async def patch_organization(
    organization_id: UUID, body: OrganizationPatch, caller: Staffer, request: Request
) -> JSON:
    """Change the organization's settings (`payments: off | required`): its admins and
    platform admins; an admin of another organization gets the unknown-organization 404."""
    organization = await identity_of(request).set_payments(caller, organization_id, body.payments)
    return JSON(organization.public())


@router.post(
    "/v1/organizations/{organization_id}/staff",
    status_code=201,
    response_model=rm.User,
    responses={201: {"description": "The new staff account.", "links": links.USER_LINKS}},
)
async def add_staff(
    organization_id: UUID, body: StaffBody, caller: Staffer, request: Request
) -> JSON:
    """Create a fleet manager or admin of the organization (its admins and platform
    admins; an admin of another organization gets the unknown-organization 404); 409 when
    the e-mail is taken."""
    user = await identity_of(request).add_staff(
        caller, organization_id, body.email, body.password, body.name, body.role
    )
    return JSON(user.public(), status_code=201)
