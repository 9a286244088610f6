"""Rows of the provider's tables as the API shows them, and the writes every operation shares."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sandbox_provider.errors import UnknownAuthorizationError
from sandbox_provider.ids import derive
from shared.contract.serialization import dumps


@dataclass(frozen=True)
class Context:
    """What one operation may depend on besides the database: the seed and the time."""

    seed: str
    now: datetime
    slow_min_ms: int = 0
    slow_max_ms: int = 0

    @property
    def stamp(self) -> str:
        """`now` as the API writes times: ISO 8601, UTC, milliseconds."""
        return self.now.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def load(conn: sqlite3.Connection, authorization_id: str) -> sqlite3.Row:
    """The authorization's row; 404 when there is none."""
    row = conn.execute("SELECT * FROM authorizations WHERE id = ?", (authorization_id,)).fetchone()
    if row is None:
        raise UnknownAuthorizationError(f"no authorization {authorization_id}")
    assert isinstance(row, sqlite3.Row)
    return row


def snapshot(row: sqlite3.Row) -> dict[str, Any]:
    """An authorization as the API returns it."""
    return {
        "authorization_id": row["id"],
        "status": row["status"],
        "amount_cents": row["amount_cents"],
        "currency": row["currency"],
        "captured_cents": row["captured_cents"],
        "refunded_cents": row["refunded_cents"],
        "voided_cents": row["voided_cents"],
        "reference": row["reference"],
        "metadata": json.loads(row["metadata"]),
        "card": {"token": row["card_token"]},
        "decline_code": row["decline_code"],
        "created": row["created"],
        "updated": row["updated"],
    }


def child_id(conn: sqlite3.Connection, ctx: Context, authorization_id: str, prefix: str) -> str:
    """The next id under an authorization (ledger entry, refund, event): seed, id, counter."""
    (count,) = conn.execute(
        "UPDATE authorizations SET children = children + 1 WHERE id = ? RETURNING children",
        (authorization_id,),
    ).fetchone()
    return derive(ctx.seed, prefix, authorization_id, count)


def add_entry(
    conn: sqlite3.Connection,
    ctx: Context,
    row: sqlite3.Row,
    kind: str,
    amount_cents: int,
    refund_id: str | None = None,
) -> None:
    """One money movement in the ledger."""
    conn.execute(
        "INSERT INTO ledger (entry_id, kind, authorization_id, refund_id, amount_cents,"
        " currency, reference, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            child_id(conn, ctx, row["id"], "le"),
            kind,
            row["id"],
            refund_id,
            amount_cents,
            row["currency"],
            row["reference"],
            ctx.stamp,
        ),
    )


def emit(
    conn: sqlite3.Connection,
    ctx: Context,
    authorization_id: str,
    event_type: str,
    **extra: Any,
) -> str:
    """Queue the webhook event of a state change (the authorization as it now is)."""
    event_id = child_id(conn, ctx, authorization_id, "evt")
    data = {"authorization": snapshot(load(conn, authorization_id)), **extra}
    body = dumps({"id": event_id, "type": event_type, "created": ctx.stamp, "data": data})
    conn.execute(
        "INSERT INTO outbox (event_id, type, body, next_attempt) VALUES (?, ?, ?, ?)",
        (event_id, event_type, body, ctx.now.timestamp()),
    )
    return event_id


def entry(row: sqlite3.Row) -> dict[str, Any]:
    """A ledger row as GET /v1/ledger shows it."""
    return {
        "entry_id": row["entry_id"],
        "seq": row["seq"],
        "kind": row["kind"],
        "authorization_id": row["authorization_id"],
        "refund_id": row["refund_id"],
        "amount_cents": row["amount_cents"],
        "currency": row["currency"],
        "reference": row["reference"],
        "at": row["at"],
    }
