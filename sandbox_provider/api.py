"""The sandbox provider's HTTP API: authorizations, captures, voids, refunds, ledger, events."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from sandbox_provider import processor
from sandbox_provider.errors import MissingIdempotencyKeyError
from sandbox_provider.idempotency import execute_once, fingerprint
from sandbox_provider.records import Context, entry, load, snapshot
from sandbox_provider.runtime import Runtime
from sandbox_provider.webhooks import event_view
from shared.kit.http.responses import JSON, PROBLEM_TYPE

router = APIRouter()
MAX_CENTS = 10**12
KINDS = ("authorized", "captured", "voided", "refunded", "declined")
IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", description="Required; 1 to 255 characters.")
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AuthorizationRequest(Strict):
    amount_cents: int = Field(ge=1, le=MAX_CENTS)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    card_token: processor.CardToken
    reference: str = Field(min_length=1, max_length=200)
    metadata: dict[str, str] = Field(default_factory=dict, max_length=50)


class CaptureRequest(Strict):
    amount_cents: int | None = Field(default=None, ge=1, le=MAX_CENTS)


class RefundRequest(Strict):
    amount_cents: int = Field(ge=1, le=MAX_CENTS)


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def _once(
    request: Request,
    key: str | None,
    body: BaseModel | None,
    operation: Callable[[sqlite3.Connection, Context], processor.Answer],
) -> Response:
    """Run `operation` at most once for `key`; the same answer for every retry of it."""
    if not key or len(key) > 255:
        raise MissingIdempotencyKeyError("send an Idempotency-Key header of 1 to 255 characters")
    runtime = _runtime(request)
    print_ = fingerprint(
        request.method, request.url.path, None if body is None else body.model_dump(mode="json")
    )
    ctx = runtime.context()
    outcome = await runtime.store.write(
        lambda conn: execute_once(conn, key, print_, ctx.stamp, lambda: operation(conn, ctx))
    )
    runtime.deliverer.wake.set()
    media_type = PROBLEM_TYPE if outcome.status >= 400 else "application/json"
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else {}
    return Response(outcome.body, outcome.status, headers, media_type=media_type)


@router.post("/v1/authorizations", status_code=201)
async def create_authorization(
    body: AuthorizationRequest, request: Request, key: IdempotencyKey = None
) -> Response:
    """Authorize `amount_cents` on a test card: authorized, declined (201) or pending."""
    return await _once(
        request,
        key,
        body,
        lambda conn, ctx: processor.authorize(
            conn,
            ctx,
            body.amount_cents,
            body.currency,
            body.card_token,
            body.reference,
            body.metadata,
        ),
    )


@router.post("/v1/authorizations/{authorization_id}/capture")
async def capture(
    authorization_id: str,
    request: Request,
    key: IdempotencyKey = None,
    body: CaptureRequest | None = None,
) -> Response:
    """Capture up to the authorized amount once (default: all); the rest is released."""
    given = body or CaptureRequest()
    return await _once(
        request,
        key,
        given,
        lambda conn, ctx: processor.capture(conn, ctx, authorization_id, given.amount_cents),
    )


@router.post("/v1/authorizations/{authorization_id}/void")
async def void(authorization_id: str, request: Request, key: IdempotencyKey = None) -> Response:
    """Release an uncaptured authorization whole."""
    return await _once(
        request, key, None, lambda conn, ctx: processor.void(conn, ctx, authorization_id)
    )


@router.post("/v1/authorizations/{authorization_id}/refunds", status_code=201)
async def refund(
    authorization_id: str, body: RefundRequest, request: Request, key: IdempotencyKey = None
) -> Response:
    """Refund part or all of the captured, not yet refunded amount."""
    return await _once(
        request,
        key,
        body,
        lambda conn, ctx: processor.refund(conn, ctx, authorization_id, body.amount_cents),
    )


@router.get("/v1/authorizations/{authorization_id}")
async def get_authorization(authorization_id: str, request: Request) -> JSON:
    """One authorization as it is now."""
    row = await _runtime(request).store.read(lambda conn: load(conn, authorization_id))
    return JSON(snapshot(row))


def _ledger(
    reference: str | None, authorization_id: str | None
) -> Callable[[sqlite3.Connection], dict[str, Any]]:
    def query(conn: sqlite3.Connection) -> dict[str, Any]:
        rows = conn.execute(
            "SELECT * FROM ledger WHERE (?1 IS NULL OR reference = ?1)"
            " AND (?2 IS NULL OR authorization_id = ?2) ORDER BY seq",
            (reference, authorization_id),
        ).fetchall()
        totals: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(KINDS, 0))
        for row in rows:
            totals[row["currency"]][row["kind"]] += row["amount_cents"]
        return {"entries": [entry(row) for row in rows], "totals": dict(totals)}

    return query


@router.get("/v1/ledger")
async def ledger(
    request: Request,
    reference: Annotated[str | None, Query()] = None,
    authorization_id: Annotated[str | None, Query()] = None,
) -> JSON:
    """Every money movement in order, with totals per currency and kind (read-only)."""
    return JSON(await _runtime(request).store.read(_ledger(reference, authorization_id)))


@router.get("/v1/events")
async def events(request: Request) -> JSON:
    """Every webhook event in order, with its delivery state."""
    rows = await _runtime(request).store.read(
        lambda conn: conn.execute("SELECT * FROM outbox ORDER BY seq").fetchall()
    )
    return JSON({"events": [event_view(row) for row in rows]})
