"""Read model `payments`: one row per payment with its money totals and status, and one
ledger entry per money movement (docs/payments.md, "Reading payments").

Rows are written only by the payment's own stream, so a rebuild that applies streams on
separate connections gives the same rows as the live consumer.
"""

from __future__ import annotations

from typing import Any

from query_service.read_models.page import Fold, Page
from query_service.read_models.tables import Row, Rows
from shared.contract import payment_events as pe

PAYMENTS = Rows("payments", "payment_id", ids=("payment_id",), kind="payment")
# Entries are only ever inserted, keyed by the event that recorded them: none is loaded.
ENTRIES = Rows("payment_entries", "entry_id", ids=())
TABLES = (PAYMENTS, ENTRIES)
# Totals column of each money movement, and the entry kind it is listed as.
_MOVED: dict[type[pe.PaymentEvent], tuple[str, str]] = {
    pe.PaymentAuthorized: ("authorized_cents", "authorized"),
    pe.PaymentCaptured: ("captured_cents", "captured"),
    pe.PaymentVoided: ("voided_cents", "voided"),
    pe.PaymentRefunded: ("refunded_cents", "refunded"),
}


def status_of(row: Row) -> str:
    """The furthest state the payment's money reached, whatever order the amounts came in:
    refunded > captured > voided > authorized > declined > pending."""
    for column, status in (
        ("refunded_cents", "refunded"),
        ("captured_cents", "captured"),
        ("voided_cents", "voided"),
        ("authorized_cents", "authorized"),
    ):
        if row[column] > 0:
            return status
    return "declined" if row["declined"] else "pending"


def _started(p: Page, e: pe.PaymentStarted) -> None:
    p[PAYMENTS].insert(
        e.payment_id, organization_id=e.organization_id, booking_id=e.booking_id,
        hold_id=e.hold_id, vehicle_id=e.vehicle_id, customer_id=e.customer_id,
        provider=e.provider, status="pending", price_cents=e.price_cents,
        deposit_cents=e.deposit_cents, amount_cents=e.amount_cents, authorized_cents=0,
        captured_cents=0, refunded_cents=0, voided_cents=0, currency=e.currency,
        declined=False, version=e.version, started_at=e.occurred_at, updated_at=e.occurred_at,
    )  # fmt: skip


def _settled(p: Page, e: pe.PaymentEvent, **values: Any) -> None:
    """Set columns of the payment row, then its status, version and time."""
    row = p[PAYMENTS].update(e.payment_id, **values, version=e.version, updated_at=e.occurred_at)
    if row is not None:
        row["status"] = status_of(row)


def _declined(p: Page, e: pe.PaymentDeclined) -> None:
    _settled(p, e, declined=True, decline_reason=e.reason)


def _moved(p: Page, e: Any) -> None:
    """A money movement: added to its total and listed as a ledger entry."""
    column, kind = _MOVED[type(e)]
    row = p[PAYMENTS].get(e.payment_id)
    if row is None:
        return
    _settled(p, e, **{column: row[column] + e.amount_cents})
    p[ENTRIES].insert(
        e.event_id, payment_id=e.payment_id, organization_id=e.organization_id,
        version=e.version, kind=kind, amount_cents=e.amount_cents, at=e.occurred_at,
        provider_ref=e.provider_ref, idempotency_key=e.idempotency_key,
        settlement=getattr(e, "settlement", None), reason=getattr(e, "reason", None),
    )  # fmt: skip


FOLDS: dict[type[pe.PaymentEvent], Fold] = {
    pe.PaymentStarted: _started,
    pe.PaymentAuthorized: _moved,
    pe.PaymentDeclined: _declined,
    pe.PaymentCaptured: _moved,
    pe.PaymentVoided: _moved,
    pe.PaymentRefunded: _moved,
}
