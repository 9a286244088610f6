"""The card processor's rules: authorize, capture once (the rest is released), void, refund.

Each function runs inside one write transaction (store.Store.write) and returns the
HTTP status and body of its answer; a refusal raises before anything is written.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from typing import Any, Literal

from sandbox_provider.errors import AmountTooLargeError, InvalidTransitionError
from sandbox_provider.ids import derive, pick
from sandbox_provider.records import Context, add_entry, child_id, emit, load, snapshot

Answer = tuple[int, dict[str, Any]]
# The test cards: authorizes, declines, answers pending and authorizes later.
CardToken = Literal["tok_visa", "tok_declined", "tok_slow"]
DECLINE_CODE = "card_declined"


def _next_authorization_id(conn: sqlite3.Connection, ctx: Context) -> str:
    (count,) = conn.execute(
        "INSERT INTO meta (name, value) VALUES ('authorizations', '1')"
        " ON CONFLICT (name) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        " RETURNING CAST(value AS INTEGER)"
    ).fetchone()
    return derive(ctx.seed, "auth", count)


def _initial(ctx: Context, authorization_id: str, card_token: CardToken) -> dict[str, Any]:
    """Status, decline code and decision time of a new authorization, by test token."""
    if card_token == "tok_visa":
        return {"status": "authorized", "decline_code": None, "decide_at": None}
    if card_token == "tok_declined":
        return {"status": "declined", "decline_code": DECLINE_CODE, "decide_at": None}
    delay_ms = pick(ctx.seed, ctx.slow_min_ms, ctx.slow_max_ms, "slow", authorization_id)
    decide_at = (ctx.now + timedelta(milliseconds=delay_ms)).timestamp()
    return {"status": "pending", "decline_code": None, "decide_at": decide_at}


def authorize(
    conn: sqlite3.Connection,
    ctx: Context,
    amount_cents: int,
    currency: str,
    card_token: CardToken,
    reference: str,
    metadata: dict[str, str],
) -> Answer:
    """A new authorization: authorized, declined, or pending (decided later, by webhook)."""
    authorization_id = _next_authorization_id(conn, ctx)
    initial = _initial(ctx, authorization_id, card_token)
    conn.execute(
        "INSERT INTO authorizations (id, status, amount_cents, currency, card_token, reference,"
        " metadata, decline_code, decide_at, created, updated)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            authorization_id,
            initial["status"],
            amount_cents,
            currency,
            card_token,
            reference,
            json.dumps(metadata, sort_keys=True),
            initial["decline_code"],
            initial["decide_at"],
            ctx.stamp,
            ctx.stamp,
        ),
    )
    row = load(conn, authorization_id)
    if initial["status"] == "authorized":
        add_entry(conn, ctx, row, "authorized", amount_cents)
        emit(conn, ctx, authorization_id, "authorization.succeeded")
    elif initial["status"] == "declined":
        add_entry(conn, ctx, row, "declined", amount_cents)
        emit(conn, ctx, authorization_id, "authorization.declined")
    return 201, snapshot(load(conn, authorization_id))


def _require(row: sqlite3.Row, status: str, operation: str) -> None:
    if row["status"] != status:
        raise InvalidTransitionError(
            f"cannot {operation} authorization {row['id']}: it is {row['status']}"
        )


def _update(conn: sqlite3.Connection, ctx: Context, authorization_id: str, **columns: Any) -> None:
    assignments = ", ".join(f"{name} = ?" for name in columns)
    conn.execute(
        f"UPDATE authorizations SET {assignments}, updated = ? WHERE id = ?",
        (*columns.values(), ctx.stamp, authorization_id),
    )


def capture(
    conn: sqlite3.Connection, ctx: Context, authorization_id: str, amount_cents: int | None
) -> Answer:
    """Capture up to the authorized amount, once; the remainder is released (voided)."""
    row = load(conn, authorization_id)
    _require(row, "authorized", "capture")
    amount = row["amount_cents"] if amount_cents is None else amount_cents
    if amount > row["amount_cents"]:
        raise AmountTooLargeError(
            f"capture of {amount} exceeds the authorized {row['amount_cents']}"
        )
    released = row["amount_cents"] - amount
    _update(
        conn, ctx, authorization_id, status="captured", captured_cents=amount, voided_cents=released
    )
    add_entry(conn, ctx, row, "captured", amount)
    if released:
        add_entry(conn, ctx, row, "voided", released)
    emit(
        conn,
        ctx,
        authorization_id,
        "capture.succeeded",
        amount_cents=amount,
        released_cents=released,
    )
    return 200, snapshot(load(conn, authorization_id))


def void(conn: sqlite3.Connection, ctx: Context, authorization_id: str) -> Answer:
    """Release the whole authorized amount of an uncaptured authorization."""
    row = load(conn, authorization_id)
    _require(row, "authorized", "void")
    _update(conn, ctx, authorization_id, status="voided", voided_cents=row["amount_cents"])
    add_entry(conn, ctx, row, "voided", row["amount_cents"])
    emit(conn, ctx, authorization_id, "void.succeeded", amount_cents=row["amount_cents"])
    return 200, snapshot(load(conn, authorization_id))


def refund(
    conn: sqlite3.Connection, ctx: Context, authorization_id: str, amount_cents: int
) -> Answer:
    """Give back part or all of what was captured and not yet refunded."""
    row = load(conn, authorization_id)
    _require(row, "captured", "refund")
    refundable = row["captured_cents"] - row["refunded_cents"]
    if amount_cents > refundable:
        raise AmountTooLargeError(f"refund of {amount_cents} exceeds the refundable {refundable}")
    refund_id = child_id(conn, ctx, authorization_id, "re")
    conn.execute(
        "INSERT INTO refunds (id, authorization_id, amount_cents, created) VALUES (?, ?, ?, ?)",
        (refund_id, authorization_id, amount_cents, ctx.stamp),
    )
    _update(conn, ctx, authorization_id, refunded_cents=row["refunded_cents"] + amount_cents)
    add_entry(conn, ctx, row, "refunded", amount_cents, refund_id)
    emit(
        conn,
        ctx,
        authorization_id,
        "refund.succeeded",
        refund_id=refund_id,
        amount_cents=amount_cents,
    )
    body = {
        "refund_id": refund_id,
        "authorization_id": authorization_id,
        "amount_cents": amount_cents,
        "currency": row["currency"],
        "status": "succeeded",
        "created": ctx.stamp,
        "authorization": snapshot(load(conn, authorization_id)),
    }
    return 201, body


def pending_due(conn: sqlite3.Connection, at: float) -> bool:
    """Whether a pending (`tok_slow`) authorization is due for its decision at `at`."""
    row = conn.execute(
        "SELECT 1 FROM authorizations WHERE status = 'pending' AND decide_at <= ? LIMIT 1", (at,)
    ).fetchone()
    return row is not None


def decide_due(conn: sqlite3.Connection, ctx: Context) -> int:
    """Authorize every pending (`tok_slow`) authorization whose decision time has come."""
    due = conn.execute(
        "SELECT id FROM authorizations WHERE status = 'pending' AND decide_at <= ? ORDER BY seq",
        (ctx.now.timestamp(),),
    ).fetchall()
    for (authorization_id,) in due:
        _update(conn, ctx, authorization_id, status="authorized", decide_at=None)
        row = load(conn, authorization_id)
        add_entry(conn, ctx, row, "authorized", row["amount_cents"])
        emit(conn, ctx, authorization_id, "authorization.succeeded")
    return len(due)
