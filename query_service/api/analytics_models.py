"""Response shapes of /v1/analytics/..., for the OpenAPI document (routes render dicts)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

Granularity = Literal["hour", "day"]


class Window(BaseModel):
    """The window answered: the request's [from, to) widened to whole UTC buckets."""

    start: datetime = Field(alias="from", description="Inclusive, on a bucket boundary.")
    end: datetime = Field(alias="to", description="Exclusive, on a bucket boundary.")


class UsageFigures(BaseModel):
    available_seconds: int = Field(
        description="In service: registered, not retired, status not maintenance/inactive."
    )
    booked_seconds: int = Field(description="Covered by confirmed (not cancelled) bookings.")
    driven_seconds: int = Field(description="Covered by trips (running ones up to now).")
    idle_seconds: int = Field(description="max(0, available - booked).")
    booked_utilization: float | None = Field(description="booked / available; null if 0.")
    driven_utilization: float | None = Field(description="driven / available; null if 0.")


class UsageBucket(UsageFigures):
    start: datetime = Field(description="Start of the UTC hour or day.")


class Utilization(Window):
    granularity: Granularity
    vehicle_id: UUID | None = Field(None, description="Absent for the whole fleet.")
    totals: UsageFigures
    buckets: list[UsageBucket] = Field(description="Every bucket of the window, in order.")


class PeakCell(BaseModel):
    day_of_week: int = Field(description="ISO weekday, UTC: 1 = Monday .. 7 = Sunday.")
    hour: int = Field(description="Hour of day, UTC, 0..23.")
    booked_seconds: int
    driven_seconds: int


class PeakHours(Window):
    cells: list[PeakCell] = Field(description="All 168 (day_of_week, hour) cells, in order.")
    by_hour: list[PeakCell] = Field(description="24 cells summed over weekdays (day 0).")
    peak_booked: PeakCell | None = Field(description="The busiest cell by booked time.")
    peak_driven: PeakCell | None = Field(description="The busiest cell by driven time.")


class UnderutilizedVehicle(BaseModel):
    vehicle_id: UUID
    available_seconds: int
    booked_seconds: int
    driven_seconds: int
    utilization: float = Field(description="The chosen metric's seconds / available.")


class Underutilized(Window):
    metric: Literal["booked", "driven"]
    threshold: float
    items: list[UnderutilizedVehicle] = Field(description="Lowest utilization first.")
    next_cursor: str | None


class BookingStats(Window):
    bookings: int = Field(description="Confirmed bookings whose window starts in the window.")
    confirmed: int = Field(description="Of those, neither cancelled nor completed (yet).")
    cancelled: int
    completed: int
    trips_started: int
    no_shows: int = Field(description="Not cancelled, no trip, ended 15 min grace before now.")
    cancellation_rate: float | None = Field(description="cancelled / bookings.")
    completion_rate: float | None = Field(description="completed / (bookings - cancelled).")
    no_show_rate: float | None = Field(description="no_shows / (bookings - cancelled).")
    mean_lead_time_seconds: float | None = Field(description="Mean of start - confirmation.")
    mean_duration_seconds: float | None = Field(description="Mean of end - start.")


class Money(BaseModel):
    currency: str
    booked_cents: int = Field(description="Price of the bookings, cancelled ones included.")
    captured_cents: int = Field(description="Money the paid bookings' payments captured.")
    refunded_cents: int = Field(
        description="Cancellation refunds of bookings without a payment, plus money the paid"
        " bookings' payments refunded."
    )
    revenue_cents: int = Field(
        description="Without a payment: price - cancellation refund; with one: captured -"
        " refunded (docs/analytics.md)."
    )
    bookings: int
    paid_bookings: int = Field(description="Of those, bookings with an authorized payment.")
    cancelled: int


class FleetMoney(Money):
    price_per_booked_hour_cents: int | None = Field(
        description="booked_cents over the booked hours of the same bookings (their whole "
        "windows, cancelled ones included), rounded to a cent; null without bookings."
    )


class RevenueBucket(FleetMoney):
    start: datetime


class VehicleRevenue(Money):
    vehicle_id: UUID


class Revenue(Window):
    granularity: Granularity
    totals: list[FleetMoney] = Field(description="One entry per currency.")
    buckets: list[RevenueBucket] = Field(description="Buckets with bookings, per currency.")
    vehicles: list[VehicleRevenue] = Field(description="Top `limit` vehicles by revenue.")


class ServiceHealth(BaseModel):
    vehicle_id: UUID
    health_score: int = Field(description="0..100, see docs/analytics.md.")
    due: bool = Field(description="Service due at `to`: 15,000 km or 365 days since.")
    due_at: datetime | None = Field(description="When it fell due (null: not by `to`).")
    due_reason: Literal["km", "days"] | None
    odometer_km: int
    km_since_service: int
    days_since_service: int = Field(description="Whole days up to `to`.")
    trips_since_service: int
    trip_hours_since_service: float
    last_service_at: datetime


class MaintenanceDue(BaseModel):
    at: datetime = Field(description="The moment judged: `to`, default now.")
    items: list[ServiceHealth] = Field(description="Due ones by due_at, then by score.")
    next_cursor: str | None
