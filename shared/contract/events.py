"""Event contracts of every kind of stream: the one definition both services import.

Events are past-tense, frozen facts. Every event carries the envelope fields
(event_id, version, occurred_at, schema_version), the id of its stream (`vehicle_id` on a
vehicle's events, `location_id` on a location's: `stream_id` reads either) and the
organization the stream belongs to, plus its own data. Older stored schemas are read
through shared.contract.upcasting.
Money is integer cents with an ISO 4217 currency; times are aware UTC datetimes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict

from shared.contract.envelope import StreamEvent as StreamEvent  # re-exported
from shared.contract.payment_events import PAYMENT_EVENT_TYPES
from shared.pricing.priced import Priced
from shared.pricing.terms import PricingTerms

VehicleStatus = Literal["available", "in_use", "maintenance", "inactive"]
BlockKind = Literal["booking", "hold", "maintenance"]
# A trip's status, the same word on the command API and the query API.
TripStatus = Literal["running", "ended"]
RUNNING: TripStatus = "running"
ENDED: TripStatus = "ended"


class Location(BaseModel):
    """A WGS84 point (home location of a vehicle)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    lat: float
    lon: float


class Event(StreamEvent):
    """Envelope of a vehicle stream's events (the first kind of stream, hence the name)."""

    STREAM = "vehicle"
    STREAM_ID = "vehicle_id"
    vehicle_id: UUID


class VehicleRegistered(Event):
    """A vehicle joined the fleet (always version 1 of its stream)."""

    vin: str
    plate: str
    make: str
    model: str
    year: int
    seats: int
    hourly_rate_cents: int
    daily_rate_cents: int
    currency: str
    odometer_km: int
    home: Location | None = None
    location_id: UUID | None = None  # the branch the vehicle belongs to, if any


class VehicleDetailsUpdated(Event):
    """Some descriptive fields or rates changed; only the changed fields are set."""

    plate: str | None = None
    make: str | None = None
    model: str | None = None
    seats: int | None = None
    hourly_rate_cents: int | None = None
    daily_rate_cents: int | None = None
    currency: str | None = None
    home: Location | None = None
    location_id: UUID | None = None


class VehicleStatusChanged(Event):
    """An operator moved the vehicle through the status machine."""

    from_status: VehicleStatus
    to_status: VehicleStatus
    reason: str


class VehicleRetired(Event):
    """The vehicle left the fleet for good; its stream accepts no more commands."""

    reason: str


class HoldPlaced(Event):
    """A temporary block with a quoted price, blocking until expires_at."""

    hold_id: UUID
    customer_id: UUID
    start: AwareDatetime
    end: AwareDatetime
    expires_at: AwareDatetime
    price_cents: int
    currency: str
    purpose: str | None = None  # what the booking it becomes is for
    cost_centre: str | None = None  # whom a corporate pool charges it to
    pricing: Priced | None = None  # how price_cents was derived (absent before pricing policies)


class HoldConfirmed(Event):
    """A hold turned into a booking (followed by BookingConfirmed in the same append)."""

    hold_id: UUID
    booking_id: UUID


class HoldReleased(Event):
    """The customer gave a hold back before it expired."""

    hold_id: UUID


class HoldExpired(Event):
    """The sweeper recorded that a hold passed expires_at unconfirmed."""

    hold_id: UUID
    expired_at: AwareDatetime


class BookingConfirmed(Event):
    """A confirmed booking of [start, end) at a fixed price."""

    booking_id: UUID
    customer_id: UUID
    start: AwareDatetime
    end: AwareDatetime
    price_cents: int
    currency: str
    purpose: str | None = None
    cost_centre: str | None = None  # whom a corporate pool charges it to (trimmed, <= 64)
    hold_id: UUID | None = None
    pricing: Priced | None = None  # how price_cents was derived (absent before pricing policies)


class BookingCancelled(Event):
    """A booking cancelled before its start, with the refund the policy granted."""

    booking_id: UUID
    reason: str
    refund_cents: int
    refund_percent: int


class BookingCompleted(Event):
    """The trip of a booking ended; the booking no longer blocks the calendar."""

    booking_id: UUID
    trip_id: UUID


class TripStarted(Event):
    """The customer took the vehicle on a booking; the vehicle is in use."""

    trip_id: UUID
    booking_id: UUID
    customer_id: UUID
    odometer_km: int


class TripEnded(Event):
    """The vehicle came back; distance and duration are final."""

    trip_id: UUID
    booking_id: UUID
    odometer_km: int
    distance_km: int
    duration_s: int


class MaintenanceScheduled(Event):
    """A workshop window that blocks the calendar."""

    maintenance_id: UUID
    start: AwareDatetime
    end: AwareDatetime
    reason: str


class MaintenanceCompleted(Event):
    """Maintenance done: odometer recorded, service counter reset, window freed."""

    maintenance_id: UUID
    odometer_km: int


class LocationEvent(StreamEvent):
    """Envelope of a location (branch) stream's events."""

    STREAM = "location"
    STREAM_ID = "location_id"
    location_id: UUID


class LocationOpened(LocationEvent):
    """An organization opened a location (always version 1 of its stream)."""

    name: str
    lat: float
    lon: float
    timezone: str  # an IANA zone name, e.g. Europe/Berlin
    address: str | None = None


class LocationUpdated(LocationEvent):
    """Some fields of a location changed; only the changed fields are set."""

    name: str | None = None
    lat: float | None = None
    lon: float | None = None
    timezone: str | None = None
    address: str | None = None


class PricingPolicyEvent(StreamEvent):
    """Envelope of a pricing policy stream's events: each carries one whole version."""

    STREAM = "pricing_policy"
    STREAM_ID = "policy_id"
    policy_id: UUID
    terms: PricingTerms


class PricingPolicyPublished(PricingPolicyEvent):
    """A manager published a new pricing policy (always version 1 of its stream)."""


class PricingPolicyRevised(PricingPolicyEvent):
    """A manager replaced a policy's terms (a new version; quotes cite the old ones)."""


VEHICLE_EVENT_TYPES: dict[str, type[Event]] = {
    cls.__name__: cls
    for cls in (
        VehicleRegistered,
        VehicleDetailsUpdated,
        VehicleStatusChanged,
        VehicleRetired,
        HoldPlaced,
        HoldConfirmed,
        HoldReleased,
        HoldExpired,
        BookingConfirmed,
        BookingCancelled,
        BookingCompleted,
        TripStarted,
        TripEnded,
        MaintenanceScheduled,
        MaintenanceCompleted,
    )
}
LOCATION_EVENT_TYPES: dict[str, type[LocationEvent]] = {
    cls.__name__: cls for cls in (LocationOpened, LocationUpdated)
}
PRICING_POLICY_EVENT_TYPES: dict[str, type[PricingPolicyEvent]] = {
    cls.__name__: cls for cls in (PricingPolicyPublished, PricingPolicyRevised)
}
# Every event type of every kind of stream, by wire name.
EVENT_TYPES: dict[str, type[StreamEvent]] = {
    **VEHICLE_EVENT_TYPES,
    **LOCATION_EVENT_TYPES,
    **PRICING_POLICY_EVENT_TYPES,
    **PAYMENT_EVENT_TYPES,
}
STREAM_KINDS: tuple[str, ...] = ("vehicle", "location", "pricing_policy", "payment")


def types_of(stream: str) -> list[str]:
    """The wire names of the event types of one kind of stream."""
    return [name for name, cls in EVENT_TYPES.items() if stream == cls.STREAM]


def event_type(event: StreamEvent) -> str:
    """The wire name of an event (its class name)."""
    return type(event).__name__


def as_utc(moment: datetime) -> datetime:
    """Normalise an aware datetime to UTC (responses always use Z)."""
    return moment.astimezone(UTC)
