"""Pricing policies of an organization: publish, revise (a new whole version), read the
audit trail of its versions.

A policy is a stream of its own (command_service/application/streams.py); its writes
answer like a location's: Idempotency-Key replays, ETag and If-Match on the stream's
version, a consistency token for the query service. Reading policies is the query
service's (GET /v1/pricing/policies).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from command_service.api import links
from command_service.api import policy_schemas as ps
from command_service.api import response_models as rm
from command_service.api.answers import Run, answer, checked
from command_service.api.http import principal_of
from command_service.api.response_models import documented
from command_service.api.stream_routes import history, streams_of
from command_service.application.pricing_policies import POLICIES, ensure_references
from command_service.domain.errors import PolicyNotFoundError
from command_service.domain.pricing_policies import PolicyCommand, PublishPolicy, RevisePolicy
from shared.contract.consistency import encode_token
from shared.contract.events import StreamEvent
from shared.kit.auth.dependencies import require_role
from shared.kit.http.responses import JSON
from shared.pricing.priced import PolicyVersion

router = APIRouter(prefix="/v1/pricing")
_WRITE = [Depends(require_role("fleet_manager", "admin"))]


def _to_policy(
    request: Request, policy_id: UUID, body: ps.PolicyBody, command: PolicyCommand
) -> Run:
    """Run `command` on the policy's stream once the records the body names proved to be
    the caller's (a refusal of that check is kept for an Idempotency-Key like any other)."""
    streams, organization = streams_of(request), principal_of(request).organization_id
    pool = request.app.state.pool

    async def references() -> None:
        await ensure_references(streams.store, pool, body.applies_to, organization)

    return checked(references, lambda _, ctx: streams.run(POLICIES, policy_id, command, ctx))


def _body(_: Sequence[StreamEvent], state: PolicyVersion) -> dict[str, Any]:
    return {
        "policy_id": state.policy_id,
        "version": state.version,
        "consistency_token": encode_token(state.policy_id, state.version),
    }


@router.post(
    "/policies",
    tags=["pricing"],
    dependencies=_WRITE,
    **documented(ps.PolicyWritten, 201, links.POLICY_LINKS),
)
async def publish_policy(body: ps.PolicyBody, request: Request) -> Response:
    """Publish a pricing policy of the caller's organization (its version 1). The vehicles
    and location `applies_to` names must be the organization's (else 404)."""
    policy_id = request.app.state.new_id()
    organization = principal_of(request).organization_id
    command = PublishPolicy(policy_id=policy_id, organization_id=organization, terms=body.terms())
    return await answer(request, _to_policy(request, policy_id, body, command), _body, status=201)


@router.put(
    "/policies/{policy_id}",
    tags=["pricing"],
    dependencies=_WRITE,
    **documented(ps.PolicyWritten),
)
async def revise_policy(policy_id: UUID, body: ps.PolicyBody, request: Request) -> Response:
    """Replace a policy's terms with a whole new version (the next version number; every
    earlier version stays readable). The same terms as the current version write nothing
    and answer the current version."""
    organization = principal_of(request).organization_id
    command = RevisePolicy(organization_id=organization, terms=body.terms())
    return await answer(request, _to_policy(request, policy_id, body, command), _body)


@router.get(
    "/policies/{policy_id}/history",
    tags=["event log"],
    response_model=rm.PolicyHistory,
    dependencies=[Depends(require_role("fleet_manager", "admin", "service"))],
)
async def policy_history(
    policy_id: UUID,
    request: Request,
    after_version: int = Query(0, ge=0, le=2**31 - 1),
    limit: int = Query(1000, ge=1, le=10000),
) -> JSON:
    """Every stored event of a pricing policy, oldest first, each with one whole version
    of its terms and its metadata (the audit trail)."""
    unknown = PolicyNotFoundError.of
    return await history(request, POLICIES.name, policy_id, after_version, limit, unknown)
