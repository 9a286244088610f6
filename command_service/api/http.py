"""HTTP plumbing shared by the routes: JSON responses, command context, ETag/If-Match."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import Request

from command_service.application.handler import CommandContext, CommandHandler, Outcome, fingerprint
from command_service.domain import VehicleState
from command_service.domain.errors import InvalidCommandError
from shared.consistency import encode_token
from shared.http.responses import JSON

MAX_IDEMPOTENCY_KEY = 255
ANONYMOUS_ACTOR = "anonymous"


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
    """Correlation, causation, actor and HTTP preconditions of a command request."""
    key = request.headers.get("idempotency-key")
    if key is not None and not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY:
        raise InvalidCommandError(
            "Idempotency-Key must be 1..255 characters", field="Idempotency-Key"
        )
    state = request.scope.get("state", {})
    return CommandContext(
        correlation_id=state.get("correlation_id", ""),
        causation_id=state.get("request_id", ""),
        actor=ANONYMOUS_ACTOR,
        if_match=_parse_if_match(request.headers.get("if-match")),
        idempotency_key=key,
        fingerprint=fingerprint(request.method, request.url.path, await request.body())
        if key
        else b"",
    )


def respond(outcome: Outcome) -> JSON:
    """The outcome as JSON with its ETag (and a marker when replayed)."""
    headers = {}
    if outcome.version is not None:
        headers["ETag"] = f'"{outcome.version}"'
    if outcome.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSON(outcome.body, status_code=outcome.status, headers=headers)


def require_customer(customer_id: UUID | None) -> UUID:
    """Until sign-in exists the caller must say which customer a hold or booking is for."""
    if customer_id is None:
        raise InvalidCommandError("customer_id is required", field="customer_id")
    return customer_id
