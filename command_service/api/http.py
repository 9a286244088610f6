"""HTTP plumbing shared by the routes: command context, If-Match, Idempotency-Key."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import Request

from command_service.application.customers import Customers
from command_service.application.handler import CommandContext, CommandHandler
from command_service.domain import VehicleState
from command_service.domain.actor import Actor, customer, staff
from command_service.domain.errors import InvalidCommandError
from shared.contract.consistency import encode_token
from shared.kit.auth.principal import Principal

MAX_IDEMPOTENCY_KEY = 255


def handler_of(request: Request) -> CommandHandler:
    handler: CommandHandler = request.app.state.handler
    return handler


def written(state: VehicleState, **fields: Any) -> dict[str, Any]:
    """Body fields every successful write returns: vehicle, version, consistency token."""
    return {
        **fields,
        "vehicle_id": state.vehicle_id,
        "version": state.version,
        "consistency_token": encode_token(state.vehicle_id, state.version),
    }


def _parse_if_match(raw: str | None) -> int | None:
    if raw is None or raw.strip() == "*":
        return None
    value = raw.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise InvalidCommandError("If-Match must be a quoted stream version", field="If-Match")
    return int(value)


async def command_context(request: Request) -> CommandContext:
    """Correlation, causation, actor and the If-Match precondition of a command request."""
    state = request.scope.get("state", {})
    return CommandContext(
        correlation_id=state.get("correlation_id", ""),
        causation_id=state.get("request_id", ""),
        actor=principal_of(request).actor,
        if_match=_parse_if_match(request.headers.get("if-match")),
    )


def idempotency_key(request: Request) -> str | None:
    """The request's Idempotency-Key, scoped to its caller, or None without one."""
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    if not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY:
        raise InvalidCommandError(
            "Idempotency-Key must be 1..255 characters", field="Idempotency-Key"
        )
    # Keys are per caller: another user's key must neither replay their response
    # (skipping the ownership check) nor block this caller's own write.
    return f"{principal_of(request).user_id}/{key}"


def principal_of(request: Request) -> Principal:
    """The caller the route's auth dependency verified."""
    principal: Principal = request.state.principal
    return principal


def actor_of(request: Request) -> Actor:
    """The caller as the domain sees it, inside their organization: staff act for anyone
    of it, a customer for themselves."""
    principal = principal_of(request)
    if principal.is_staff:
        return staff(principal.user_id, principal.organization_id)
    return customer(principal.user_id, principal.organization_id)


def customer_for(request: Request, customer_id: UUID | None) -> UUID:
    """Whom a hold or booking is for: the caller, unless the body names someone
    (`require_customer` then checks that they may)."""
    return principal_of(request).user_id if customer_id is None else customer_id


async def require_customer(request: Request, customer_id: UUID) -> None:
    """Staff may name an account of their own organization (an employee of a corporate
    pool, a customer of the operator); any other id is an unknown customer (404). A
    customer naming someone else is refused by the decision itself (403)."""
    principal = principal_of(request)
    if customer_id == principal.user_id or not principal.is_staff:
        return
    customers: Customers = request.app.state.customers
    await customers.require_member(customer_id, principal.organization_id)
