"""Read model `holds`: every hold, its quote and how it was resolved."""

from __future__ import annotations

from typing import Any

from query_service.read_models.page import Fold, Page
from query_service.read_models.priced import priced_columns
from query_service.read_models.tables import Rows
from shared.contract import events as ev

HOLDS = Rows("holds", "hold_id", ids=("hold_id",), kind="hold")
TABLES = (HOLDS,)


def _placed(p: Page, e: ev.HoldPlaced) -> None:
    p[HOLDS].insert(
        e.hold_id, vehicle_id=e.vehicle_id, customer_id=e.customer_id, start_at=e.start,
        end_at=e.end, expires_at=e.expires_at, price_cents=e.price_cents, currency=e.currency,
        status="active", placed_at=e.occurred_at, updated_at=e.occurred_at,
        organization_id=e.organization_id, **priced_columns(e.pricing, e.price_cents),
    )  # fmt: skip


def _resolved(status: str) -> Fold:
    def fold(p: Page, e: Any) -> None:
        booking_id = e.booking_id if status == "confirmed" else None
        p[HOLDS].update(e.hold_id, status=status, booking_id=booking_id,
                        resolved_at=e.occurred_at, updated_at=e.occurred_at)  # fmt: skip

    return fold


FOLDS: dict[type[ev.Event], Fold] = {
    ev.HoldPlaced: _placed,
    ev.HoldConfirmed: _resolved("confirmed"),
    ev.HoldReleased: _resolved("released"),
    ev.HoldExpired: _resolved("expired"),
}
