"""Holds and bookings: the calendar commands customers send."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from command_service.api import links, schemas
from command_service.api import response_models as rm
from command_service.api.answers import answer, checked, to_entity, to_vehicle
from command_service.api.http import (
    actor_of,
    customer_for,
    principal_of,
    require_customer,
    written,
)
from command_service.api.pricing_models import priced_fields
from command_service.api.response_models import documented
from command_service.domain import VehicleState
from command_service.domain import commands as cmd
from command_service.identity.organizations import payments_required
from command_service.payments.checkout import PaymentRequiredError
from shared.contract import events as ev
from shared.kit.auth.dependencies import require_role

router = APIRouter(
    prefix="/v1",
    tags=["holds and bookings"],
    dependencies=[
        Depends(require_role("customer", "fleet_manager", "admin")),
    ],
)


def _only(events: Sequence[ev.Event], kind: type[ev.Event]) -> Any:
    return next(e for e in events if isinstance(e, kind))


def booking_body(events: Sequence[ev.Event], state: VehicleState) -> dict[str, Any]:
    booked = _only(events, ev.BookingConfirmed)
    return written(
        state,
        booking_id=booked.booking_id,
        customer_id=booked.customer_id,
        start=booked.start,
        end=booked.end,
        price_cents=booked.price_cents,
        currency=booked.currency,
        status="confirmed",
        purpose=booked.purpose,
        cost_centre=booked.cost_centre,
        hold_id=booked.hold_id,
        **priced_fields(booked.pricing),
    )


def _hold_body(events: Sequence[ev.Event], state: VehicleState) -> dict[str, Any]:
    hold = _only(events, ev.HoldPlaced)
    return written(
        state,
        hold_id=hold.hold_id,
        customer_id=hold.customer_id,
        start=hold.start,
        end=hold.end,
        expires_at=hold.expires_at,
        price_cents=hold.price_cents,
        currency=hold.currency,
        status="active",
        purpose=hold.purpose,
        cost_centre=hold.cost_centre,
        **priced_fields(hold.pricing),
    )


@router.post("/holds", **documented(rm.Hold, 201, links.HOLD_LINKS))
async def place_hold(body: schemas.PlaceHoldBody, request: Request) -> Response:
    """Reserve a window for a short time (ttl_seconds 60..3600) at the price decided now,
    or a named quote's; staff may hold for an account of their organization (`customer_id`)."""
    customer = customer_for(request, body.customer_id)
    command = cmd.PlaceHold(
        hold_id=request.app.state.new_id(),
        customer_id=customer,
        start=body.start,
        end=body.end,
        ttl_seconds=body.ttl_seconds,
        purpose=body.purpose,
        cost_centre=body.cost_centre,
        by=actor_of(request),
        extras=tuple(body.extras),
        quote_id=body.quote_id,
    )
    run = checked(lambda: require_customer(request, customer), to_vehicle(body.vehicle_id, command))
    return await answer(request, run, _hold_body, status=201)


async def refuse_unpaid(request: Request) -> None:
    """402 for a customer of an organization that takes payments: they book through a
    hold they pay for; staff may still book without payment."""
    principal = principal_of(request)
    if principal.is_staff:
        return
    if await payments_required(request.app.state.pool, principal.organization_id):
        raise PaymentRequiredError(
            "this organization takes payments: place a hold and pay for it "
            "(POST /v1/holds/{hold_id}/payment)"
        )


@router.post("/holds/{hold_id}/confirm", **documented(rm.Booking, 201, links.BOOKING_LINKS))
async def confirm_hold(hold_id: UUID, request: Request) -> Response:
    """Turn an active hold into a booking at the quoted price (402 for a customer when
    the organization takes payments: pay for the hold instead)."""
    await refuse_unpaid(request)
    command = cmd.ConfirmHold(
        hold_id=hold_id, booking_id=request.app.state.new_id(), by=actor_of(request)
    )
    return await answer(request, to_entity(hold_id, "hold", command), booking_body, status=201)


@router.post("/holds/{hold_id}/release", **documented(rm.HoldReleased))
async def release_hold(hold_id: UUID, request: Request) -> Response:
    """Give an active hold back before it expires."""
    command = cmd.ReleaseHold(hold_id=hold_id, by=actor_of(request))
    return await answer(
        request,
        to_entity(hold_id, "hold", command),
        lambda _, state: written(state, hold_id=hold_id, status="released"),
    )


@router.post("/bookings", **documented(rm.Booking, 201, links.BOOKING_LINKS))
async def book_vehicle(body: schemas.BookBody, request: Request) -> Response:
    """Book [start, end) on a vehicle; 409 with the conflicting blocks on overlap. Staff
    may book for an account of their organization (`customer_id`, 404 otherwise); 402
    for a customer when the organization takes payments (use a hold and pay for it)."""
    await refuse_unpaid(request)
    customer = customer_for(request, body.customer_id)
    command = cmd.BookVehicle(
        booking_id=request.app.state.new_id(),
        customer_id=customer,
        start=body.start,
        end=body.end,
        purpose=body.purpose,
        cost_centre=body.cost_centre,
        by=actor_of(request),
        extras=tuple(body.extras),
        quote_id=body.quote_id,
    )
    run = checked(lambda: require_customer(request, customer), to_vehicle(body.vehicle_id, command))
    return await answer(request, run, booking_body, status=201)


def _cancelled_body(events: Sequence[ev.Event], state: VehicleState) -> dict[str, Any]:
    cancelled = _only(events, ev.BookingCancelled)
    return written(
        state,
        booking_id=cancelled.booking_id,
        status="cancelled",
        refund_cents=cancelled.refund_cents,
        refund_percent=cancelled.refund_percent,
        currency=state.currency,
        reason=cancelled.reason,
    )


@router.post("/bookings/{booking_id}/cancel", **documented(rm.BookingCancelled))
async def cancel_booking(booking_id: UUID, body: schemas.ReasonBody, request: Request) -> Response:
    """Cancel before the start; the refund follows the policy (100 % / 50 % / 0 %)."""
    command = cmd.CancelBooking(booking_id=booking_id, reason=body.reason, by=actor_of(request))
    return await answer(request, to_entity(booking_id, "booking", command), _cancelled_body)
