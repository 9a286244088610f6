"""Response shapes, for the OpenAPI document only: routes render dicts with orjson."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, Literal, TypeVar
from uuid import UUID

from pydantic import BaseModel, Field

from shared.contract.events import TripStatus
from shared.kit.http.openapi import problem_responses
from shared.pricing.priced import BreakdownLine, DemandFigure

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list; pass `next_cursor` as `cursor` for the next (null: last page)."""

    items: list[T]
    next_cursor: str | None


_READ_DESCRIPTIONS = {
    400: "Malformed X-Consistency-Token",
    422: "Invalid query parameter (`errors` lists the fields)",
    503: "X-Consistency-Token not reached within X-Consistency-Wait-Ms (Retry-After)",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entry documenting the read API's problem+json answers."""
    return problem_responses(*statuses, described=_READ_DESCRIPTIONS)


READ_PROBLEMS = problems(400, 422, 503)


class Home(BaseModel):
    lat: float
    lon: float


class Health(BaseModel):
    """Service counters; due at 15,000 km or 365 days since the last completed maintenance."""

    km_since_service: int
    days_since_service: int = Field(description="Whole days, by the service's clock.")
    service_due: bool
    service_interval_km: int
    service_interval_days: int


class Vehicle(BaseModel):
    vehicle_id: UUID
    vin: str
    plate: str
    make: str
    model: str
    year: int
    seats: int
    hourly_rate_cents: int
    daily_rate_cents: int
    currency: str
    home: Home | None
    location_id: UUID | None = Field(description="The vehicle's home location (branch).")
    status: Literal["available", "in_use", "maintenance", "inactive", "retired"]
    retired: bool
    retired_at: datetime | None
    odometer_km: int
    km_at_last_service: int
    last_service_at: datetime
    current_booking_id: UUID | None = Field(description="Booking of the running trip.")
    current_trip_id: UUID | None
    version: int = Field(description="Last projected stream version.")
    registered_at: datetime
    updated_at: datetime
    health: Health


class Location(BaseModel):
    """A location (branch) of the caller's organization."""

    location_id: UUID
    organization_id: UUID
    name: str
    lat: float
    lon: float
    timezone: str = Field(description="IANA time zone name.")
    address: str | None
    version: int = Field(description="Last projected stream version.")
    opened_at: datetime
    updated_at: datetime


PaymentStatus = Literal["pending", "authorized", "declined", "captured", "voided", "refunded"]


class BookingPayment(BaseModel):
    """A booking's payment as its list shows it (the whole payment: GET /v1/payments/{id})."""

    payment_id: UUID
    status: PaymentStatus
    authorized_cents: int
    captured_cents: int
    refunded_cents: int
    voided_cents: int
    currency: str


class PriceDerivation(BaseModel):
    """How a hold's or booking's price was derived (docs/pricing-read.md)."""

    breakdown: list[BreakdownLine] = Field(
        description="How the price was made; the lines sum to price_cents. Bookings priced "
        "before pricing policies have one `rental` line."
    )
    deposit_cents: int
    extras: list[str] = Field(description="The extras' codes.")
    policy_id: UUID | None = Field(description="Null: priced by the vehicle's own rates.")
    policy_version: int | None
    demand: DemandFigure | None = Field(description="The demand figure the price used.")
    quote_id: UUID | None = Field(description="The quote whose price this is, if one was named.")


class Booking(PriceDerivation):
    booking_id: UUID
    vehicle_id: UUID
    customer_id: UUID
    hold_id: UUID | None
    start: datetime
    end: datetime
    price_cents: int
    currency: str
    purpose: str | None
    cost_centre: str | None = Field(description="Corporate pools: whom it is charged to.")
    location_id: UUID | None = Field(
        description="The vehicle's home location when the booking was confirmed."
    )
    status: Literal["confirmed", "cancelled", "completed"]
    trip_id: UUID | None
    confirmed_at: datetime
    cancelled_at: datetime | None
    cancel_reason: str | None
    refund_cents: int | None
    refund_percent: int | None
    completed_at: datetime | None
    payment: BookingPayment | None = Field(
        None, description="Its payment's state (GET /v1/bookings…; null: booked without one)."
    )


class PaymentEntry(BaseModel):
    kind: Literal["authorized", "captured", "voided", "refunded"]
    amount_cents: int
    at: datetime
    provider_ref: str
    settlement: str | None = Field(description="Why money moved at the end (captures, voids).")
    reason: str | None = Field(description="Why money was refunded (refunds).")


class Payment(BaseModel):
    payment_id: UUID
    booking_id: UUID
    hold_id: UUID
    vehicle_id: UUID
    customer_id: UUID
    provider: str
    status: PaymentStatus = Field(
        description="The furthest state the money reached: refunded > captured > voided >"
        " authorized > declined > pending (docs/payments.md)."
    )
    price_cents: int
    deposit_cents: int
    amount_cents: int = Field(description="Asked to authorize: price + deposit.")
    authorized_cents: int
    captured_cents: int
    refunded_cents: int
    voided_cents: int
    currency: str
    decline_reason: str | None
    started_at: datetime
    updated_at: datetime
    entries: list[PaymentEntry] = Field(description="Money movements, in recorded order.")


class Trip(BaseModel):
    trip_id: UUID
    vehicle_id: UUID
    booking_id: UUID
    customer_id: UUID
    status: TripStatus
    started_at: datetime
    ended_at: datetime | None
    start_odometer_km: int
    end_odometer_km: int | None
    distance_km: int | None
    duration_s: int | None


class VehicleDetail(Vehicle):
    current_booking: Booking | None = Field(
        description="The running trip's booking, else the confirmed booking under way now."
    )
    current_trip: Trip | None


class Hold(PriceDerivation):
    hold_id: UUID
    vehicle_id: UUID
    customer_id: UUID
    start: datetime
    end: datetime
    expires_at: datetime
    price_cents: int
    currency: str
    status: Literal["active", "confirmed", "released", "expired"] = Field(
        description="`expired` as soon as expires_at has passed, even before HoldExpired."
    )
    booking_id: UUID | None
    placed_at: datetime
    resolved_at: datetime | None


class Maintenance(BaseModel):
    maintenance_id: UUID
    vehicle_id: UUID
    start: datetime
    end: datetime
    reason: str
    status: Literal["scheduled", "completed"]
    completed_at: datetime | None
    odometer_km: int | None
    scheduled_at: datetime


class CalendarBlock(BaseModel):
    kind: Literal["booking", "hold", "maintenance"]
    id: UUID = Field(description="booking_id, hold_id or maintenance_id.")
    start: datetime
    end: datetime = Field(description="Exclusive; a completed maintenance ends at completion.")
    expires_at: datetime | None = Field(description="Holds only.")


class AvailableVehicle(BaseModel):
    vehicle_id: UUID
    plate: str
    make: str
    model: str
    year: int
    seats: int
    price_cents: int = Field(description="Price of the requested window at current rates.")
    currency: str
    hourly_rate_cents: int
    daily_rate_cents: int
    distance_km: float | None = Field(None, description="From `near`; only when it is given.")
