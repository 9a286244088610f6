"""GET /v1/pricing/policies and /v1/pricing/policies/{policy_id}: the caller's
organization's pricing policies and every version of each (docs/pricing-read.md)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Query, Request

from query_service.api import models
from query_service.api import pricing_models as m
from query_service.api.consistency import read_router
from query_service.api.context import reader_of
from query_service.api.errors import PricingPolicyNotFoundError
from query_service.api.pagination import DEFAULT_LIMIT, Cursor, Limit, decode_cursor, page_response
from query_service.api.queries import pricing as q
from shared.kit.http.responses import JSON

router = read_router("/v1/pricing", "pricing")
Version = Annotated[
    int | None, Query(ge=1, le=2**31 - 1, description="Only this version of the policy.")
]


@router.get(
    "/policies",
    summary="List the pricing policies of the caller's organization",
    response_model=models.Page[m.PricingPolicy],
    responses=models.READ_PROBLEMS,
)
async def list_policies(
    request: Request, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> JSON:
    """Every policy as its current version left it, by id."""
    after = decode_cursor(cursor, q.KIND, (UUID,))
    rows = await q.list_policies(reader_of(request), after=after, limit=limit)
    return page_response(rows, limit, q.KIND, q.sort_key, q.policy_item)


@router.get(
    "/policies/{policy_id}",
    summary="One pricing policy with every version",
    response_model=m.PricingPolicyDetail,
    responses={**models.READ_PROBLEMS, **models.problems(404)},
)
async def get_policy(request: Request, policy_id: UUID, version: Version = None) -> JSON:
    """The policy and every version of it, oldest first; with `version`, that version only
    (404 when it does not exist). Another organization's policy answers as an unknown id."""
    db = reader_of(request)
    row = await q.get_policy(db, policy_id)
    if row is None:
        raise PricingPolicyNotFoundError(f"no pricing policy {policy_id}")
    versions = await q.versions(db, policy_id, version)
    if not versions:
        raise PricingPolicyNotFoundError(f"no version {version} of pricing policy {policy_id}")
    return JSON({**q.policy_item(row), "versions": [q.version_item(v) for v in versions]})
