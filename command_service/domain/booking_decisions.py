"""Decisions on the calendar's customer side: holds and bookings."""

from __future__ import annotations

from datetime import datetime

from command_service.domain.commands import (
    BookVehicle,
    CancelBooking,
    ConfirmHold,
    ExpireHold,
    PlaceHold,
    ReleaseHold,
)
from command_service.domain.context import (
    Context,
    get_booking,
    get_hold,
    require_active,
    require_free,
    require_unused,
)
from command_service.domain.errors import BookingNotCancellableError, HoldNotActiveError
from command_service.domain.pricing import PriceBasis, decide_price
from command_service.domain.rules import (
    check_booking_window,
    check_name,
    check_ttl,
    refund_percent,
)
from command_service.domain.state import Hold
from shared.contract.events import (
    BookingCancelled,
    BookingConfirmed,
    Event,
    HoldConfirmed,
    HoldExpired,
    HoldPlaced,
    HoldReleased,
    as_utc,
)
from shared.contract.refunds import refund_cents
from shared.pricing.priced import Priced


def _checked_cost_centre(raw: str | None) -> str | None:
    """The trimmed cost centre (1..64 characters), if one is given."""
    return None if raw is None else check_name(raw, "cost_centre")


def _check_bookable(ctx: Context, start: datetime, end: datetime, basis: PriceBasis) -> Priced:
    """Raise unless the vehicle can take the (valid) window now; return its price."""
    require_active(ctx.state)
    require_free(ctx, start, end)
    return decide_price(ctx.state, start, end, basis)


def quote(ctx: Context, start: datetime, end: datetime, basis: PriceBasis) -> Priced:
    """The price a hold or booking of [start, end) would get now, under the same rules."""
    check_booking_window(start, end, ctx.now)
    return _check_bookable(ctx, start, end, basis)


def place_hold(ctx: Context, command: PlaceHold) -> list[Event]:
    """HoldPlaced with its quote, blocking the window until expires_at."""
    command.by.require_may_act_for(command.customer_id, "the hold")
    cost_centre = _checked_cost_centre(command.cost_centre)
    ttl = check_ttl(command.ttl_seconds)
    check_booking_window(command.start, command.end, ctx.now)
    require_unused(ctx.state.holds, lambda h: h.hold_id, command.hold_id)
    priced = _check_bookable(ctx, command.start, command.end, command.pricing)
    hold = HoldPlaced(
        **ctx.envelope(),
        hold_id=command.hold_id,
        customer_id=command.customer_id,
        start=as_utc(command.start),
        end=as_utc(command.end),
        expires_at=as_utc(ctx.now + ttl),
        price_cents=priced.price_cents,
        currency=priced.currency,
        purpose=command.purpose,
        cost_centre=cost_centre,
        pricing=priced,
    )
    return [hold]


def _active_hold(ctx: Context, hold: Hold) -> Hold:
    """Raise HoldNotActiveError unless the hold is unresolved and unexpired."""
    if hold.resolution is not None:
        raise HoldNotActiveError(f"the hold was {hold.resolution} already")
    if ctx.now >= hold.expires_at:
        raise HoldNotActiveError("the hold has expired")
    return hold


def confirm_hold(ctx: Context, command: ConfirmHold) -> list[Event]:
    """HoldConfirmed and the BookingConfirmed it turns into, at the quoted price."""
    hold = get_hold(ctx.state, command.hold_id, command.by)
    _active_hold(ctx, hold)
    require_unused(ctx.state.bookings, lambda b: b.booking_id, command.booking_id)
    if hold.start <= ctx.now:
        raise HoldNotActiveError("the hold's window has started")
    require_active(ctx.state)
    confirmed = HoldConfirmed(
        **ctx.envelope(1), hold_id=hold.hold_id, booking_id=command.booking_id
    )
    booking = BookingConfirmed(
        **ctx.envelope(2),
        booking_id=command.booking_id,
        customer_id=hold.customer_id,
        start=hold.start,
        end=hold.end,
        price_cents=hold.price_cents,
        currency=hold.currency,
        purpose=hold.purpose,
        cost_centre=hold.cost_centre,
        hold_id=hold.hold_id,
        pricing=hold.pricing,
    )
    return [confirmed, booking]


def release_hold(ctx: Context, command: ReleaseHold) -> list[Event]:
    """HoldReleased for a hold that is still active."""
    hold = get_hold(ctx.state, command.hold_id, command.by)
    _active_hold(ctx, hold)
    return [HoldReleased(**ctx.envelope(), hold_id=hold.hold_id)]


def expire_hold(ctx: Context, command: ExpireHold) -> list[Event]:
    """HoldExpired (the sweeper's record) for an unresolved hold past expires_at."""
    hold = get_hold(ctx.state, command.hold_id)
    if hold.resolution is not None:
        raise HoldNotActiveError(f"the hold was {hold.resolution} already")
    if ctx.now < hold.expires_at:
        raise HoldNotActiveError("the hold has not yet expired")
    return [HoldExpired(**ctx.envelope(), hold_id=hold.hold_id, expired_at=hold.expires_at)]


def book(ctx: Context, command: BookVehicle) -> list[Event]:
    """BookingConfirmed for a free future window, at the price its basis gives."""
    command.by.require_may_act_for(command.customer_id, "the booking")
    cost_centre = _checked_cost_centre(command.cost_centre)
    check_booking_window(command.start, command.end, ctx.now)
    require_unused(ctx.state.bookings, lambda b: b.booking_id, command.booking_id)
    priced = _check_bookable(ctx, command.start, command.end, command.pricing)
    booking = BookingConfirmed(
        **ctx.envelope(),
        booking_id=command.booking_id,
        customer_id=command.customer_id,
        start=as_utc(command.start),
        end=as_utc(command.end),
        price_cents=priced.price_cents,
        currency=priced.currency,
        purpose=command.purpose,
        cost_centre=cost_centre,
        pricing=priced,
    )
    return [booking]


def cancel_booking(ctx: Context, command: CancelBooking) -> list[Event]:
    """BookingCancelled before the start, with the refund the policy grants."""
    booking = get_booking(ctx.state, command.booking_id, command.by)
    if booking.status != "confirmed":
        raise BookingNotCancellableError(f"the booking was {booking.status} already")
    if booking.trip_id is not None or ctx.now >= booking.start:
        raise BookingNotCancellableError("the booking has already started")
    percent = refund_percent(booking.start, ctx.now)
    cancelled = BookingCancelled(
        **ctx.envelope(),
        booking_id=booking.booking_id,
        reason=command.reason,
        refund_cents=refund_cents(booking.price_cents, percent),
        refund_percent=percent,
    )
    return [cancelled]
