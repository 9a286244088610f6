"""Queries on the `payments` read model and its ledger entries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from query_service.api.context import Reader
from query_service.api.sql import after_key, fetch_one, fetch_page, in_organization, scoped

KIND = "payments"
ORDER = ("started_at", "payment_id")
_SELECT = (
    "SELECT payment_id, booking_id, hold_id, vehicle_id, customer_id, provider, status,"
    " price_cents, deposit_cents, amount_cents, authorized_cents, captured_cents,"
    " refunded_cents, voided_cents, currency, decline_reason, started_at, updated_at"
    " FROM payments"
)
_ENTRIES = (
    "SELECT payment_id, kind, amount_cents, at, provider_ref, settlement, reason"
    " FROM payment_entries WHERE payment_id = ANY($1::uuid[])"
)


def sort_key(row: dict[str, Any]) -> tuple[datetime, UUID]:
    return row["started_at"], row["payment_id"]


def payment_item(row: dict[str, Any]) -> dict[str, Any]:
    return row


async def with_entries(db: Reader, rows: Sequence[asyncpg.Record]) -> list[dict[str, Any]]:
    """The payments as dicts, each with its ledger entries in the order they were recorded."""
    if not rows:
        return []
    args: list[Any] = [[r["payment_id"] for r in rows]]
    sql = f"{_ENTRIES}{in_organization(db, args)} ORDER BY payment_id, version"
    entries: dict[UUID, list[dict[str, Any]]] = defaultdict(list)
    for entry in await db.fetch(sql, *args):
        item = dict(entry)
        entries[item.pop("payment_id")].append(item)
    return [{**dict(r), "entries": entries[r["payment_id"]]} for r in rows]


async def get_payment(db: Reader, payment_id: UUID) -> dict[str, Any] | None:
    row = await fetch_one(db, _SELECT, "payment_id", payment_id)
    return None if row is None else (await with_entries(db, [row]))[0]


async def list_payments(
    db: Reader,
    *,
    booking_id: UUID | None,
    customer_id: UUID | None,
    after: tuple[Any, ...] | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Payments matching every given filter, by (started_at, id), with their entries."""
    filters = scoped(db)
    filters.add_if(booking_id, "booking_id = {}")
    filters.add_if(customer_id, "customer_id = {}")
    after_key(filters, ORDER, after)
    return await with_entries(db, await fetch_page(db, _SELECT, filters, ORDER, limit))


# A booking's payment as its list shows it: an authorized one before a declined attempt,
# then the latest started.
_OF_BOOKINGS = (
    "SELECT DISTINCT ON (booking_id) booking_id, payment_id, status, authorized_cents,"
    " captured_cents, refunded_cents, voided_cents, currency FROM payments"
    " WHERE booking_id = ANY($1::uuid[])"
)
_OF_BOOKINGS_ORDER = " ORDER BY booking_id, authorized_cents > 0 DESC, started_at DESC, payment_id"


async def payments_of(db: Reader, booking_ids: Sequence[UUID]) -> dict[UUID, dict[str, Any]]:
    """Each booking's payment state (as its list shows it), for the bookings that have one."""
    if not booking_ids:
        return {}
    args: list[Any] = [list(booking_ids)]
    sql = f"{_OF_BOOKINGS}{in_organization(db, args)}{_OF_BOOKINGS_ORDER}"
    found = {}
    for payment in await db.fetch(sql, *args):
        item = dict(payment)
        found[item.pop("booking_id")] = item
    return found


async def with_payments(db: Reader, rows: Sequence[asyncpg.Record]) -> list[dict[str, Any]]:
    """The bookings as dicts, each with its payment's state (`payment`, null without one)."""
    found = await payments_of(db, [r["booking_id"] for r in rows])
    return [{**dict(r), "payment": found.get(r["booking_id"])} for r in rows]
