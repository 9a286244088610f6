"""Response shapes of the command API, for the OpenAPI document only: routes render
dicts (answers.py), so these describe what they render for clients and generators."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from command_service.api.pricing_models import PricedFields
from shared.contract.events import TripStatus, VehicleStatus

ETAG = {
    "ETag": {
        "description": 'The vehicle stream\'s version after the write (`"<version>"`): send it '
        "back as If-Match to make the next write conditional.",
        "schema": {"type": "string"},
    },
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored answer of an earlier request with the "
        "same Idempotency-Key.",
        "schema": {"type": "string"},
    },
}

# The headers of every write, which `answer` reads and checks itself. Declared here, in the
# document only: as a FastAPI dependency they were parsed again on every request.
COMMAND_HEADERS = [
    {
        "name": name,
        "in": "header",
        "required": False,
        "schema": {"type": "string", "title": name},
        "description": description,
    }
    for name, description in (
        (
            "Idempotency-Key",
            "1..255 characters, per caller: the same key with the same request answers the "
            "first response again (refusals included); with another request, 422.",
        ),
        ("If-Match", 'The vehicle stream version you expect (an ETag, `"3"`): 412 when stale.'),
    )
]


def documented(
    model: type[BaseModel], status: int = 200, links: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Decorator arguments documenting a write: its command headers, and its success's
    body, status, headers and the operations on what it created (OpenAPI links)."""
    success: dict[str, Any] = {"headers": ETAG, "description": model.__doc__ or "Written"}
    if links:
        success["links"] = links
    return {
        "status_code": status,
        "response_model": model,
        "responses": {status: success},
        "openapi_extra": {"parameters": COMMAND_HEADERS},
    }


class Written(BaseModel):
    """Fields of every successful write."""

    vehicle_id: UUID
    version: int = Field(description="The vehicle stream's version after the write.")
    consistency_token: str = Field(
        description="Send as X-Consistency-Token to the query service to read this write."
    )


class GeoPoint(BaseModel):
    lat: float
    lon: float


class VehicleDetails(Written):
    """The vehicle as registered or updated."""

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
    status: VehicleStatus
    home: GeoPoint | None
    location_id: UUID | None = Field(description="The vehicle's home location (branch).")


class StatusChanged(Written):
    """The vehicle's status after the change."""

    status: VehicleStatus


class Retired(Written):
    """The vehicle was retired."""

    retired: Literal[True]
    reason: str


class MaintenanceScheduled(Written):
    """The scheduled maintenance window."""

    maintenance_id: UUID
    start: datetime
    end: datetime
    reason: str


class MaintenanceCompleted(Written):
    """The completed maintenance window."""

    maintenance_id: UUID
    odometer_km: int
    completed_at: datetime
    status: Literal["completed"]


class Hold(Written, PricedFields):
    """The hold: it blocks the window at the quoted price until `expires_at`."""

    hold_id: UUID
    customer_id: UUID
    start: datetime
    end: datetime
    expires_at: datetime
    price_cents: int
    currency: str
    status: Literal["active"]
    purpose: str | None
    cost_centre: str | None


class HoldReleased(Written):
    """The released hold."""

    hold_id: UUID
    status: Literal["released"]


class Booking(Written, PricedFields):
    """The confirmed booking."""

    booking_id: UUID
    customer_id: UUID
    start: datetime
    end: datetime
    price_cents: int
    currency: str
    status: Literal["confirmed"]
    purpose: str | None
    cost_centre: str | None = Field(description="Whom a corporate pool charges it to.")
    hold_id: UUID | None = Field(description="The hold it was confirmed from, if any.")


class BookingCancelled(Written):
    """The cancelled booking and its refund."""

    booking_id: UUID
    status: Literal["cancelled"]
    refund_cents: int
    refund_percent: int
    currency: str
    reason: str


class TripStarted(Written):
    """The running trip."""

    trip_id: UUID
    booking_id: UUID
    customer_id: UUID
    started_at: datetime
    odometer_km: int
    status: TripStatus


class TripEnded(Written):
    """The ended trip, with its final distance and duration."""

    trip_id: UUID
    booking_id: UUID
    odometer_km: int
    distance_km: int
    duration_s: int
    ended_at: datetime
    status: TripStatus


class StoredEvent(BaseModel):
    """One stored event with its envelope and metadata; its stream's id under the name
    of its kind (`vehicle_id`, `location_id` or `policy_id`)."""

    global_position: int
    vehicle_id: UUID | None = Field(None, description="On the events of a vehicle stream.")
    location_id: UUID | None = Field(None, description="On the events of a location stream.")
    policy_id: UUID | None = Field(None, description="On the events of a pricing policy stream.")
    version: int
    event_id: UUID
    type: str
    schema_version: int
    occurred_at: datetime
    recorded_at: datetime
    data: dict[str, Any]
    metadata: dict[str, Any]


class History(BaseModel):
    """A vehicle's events, oldest first; pass `next_cursor` as `after_version` for more."""

    vehicle_id: UUID
    items: list[StoredEvent]
    next_cursor: str | None


class LocationHistory(BaseModel):
    """A location's events, oldest first; pass `next_cursor` as `after_version` for more."""

    location_id: UUID
    items: list[StoredEvent]
    next_cursor: str | None


class PolicyHistory(BaseModel):
    """A pricing policy's events (each one whole version), oldest first; pass
    `next_cursor` as `after_version` for more."""

    policy_id: UUID
    items: list[StoredEvent]
    next_cursor: str | None


class PaymentHistory(BaseModel):
    """A payment's events (every money movement), oldest first; pass `next_cursor` as
    `after_version` for more."""

    payment_id: UUID
    items: list[StoredEvent]
    next_cursor: str | None


class Feed(BaseModel):
    """Events after a position; pass `next_after` as `after` for the next page."""

    items: list[StoredEvent]
    next_after: int
    covered: int  # events of the feed the page went past (more than items, when sharded)


class StreamHead(BaseModel):
    """Where a stream got to within a page of the feed."""

    stream: str  # its kind: vehicle, location, pricing_policy, payment
    stream_id: UUID
    version: int


class FeedHeads(BaseModel):
    """A page of the feed's walk as stream heads; pass `next_after` as `after`."""

    streams: list[StreamHead]
    next_after: int
    covered: int


class User(BaseModel):
    """An account as the API shows it."""

    user_id: UUID
    email: str
    name: str
    role: Literal["customer", "fleet_manager", "admin", "platform_admin", "service"]
    organization_id: UUID = Field(description="The organization the account belongs to.")
    created_at: datetime
    disabled: bool = Field(description="A disabled account cannot sign in or act.")


class Organization(BaseModel):
    """An organization: an operator, a dealership, a corporate pool."""

    organization_id: UUID
    name: str
    slug: str
    payments: Literal["off", "required"] = Field(
        description="`required`: customers book through a hold they pay for (402 otherwise)."
    )


class Revocation(BaseModel):
    """Access tokens that stopped working: an account's below a generation, or a session's."""

    seq: int
    kind: Literal["account", "session"]
    subject: UUID = Field(description="The user id (account) or the sign-in session id.")
    generation: int = Field(description="account: its tokens below this generation are void.")
    expires_at: float = Field(description="Epoch seconds; no token this voids outlives it.")


class RevocationFeed(BaseModel):
    """Revocations after a cursor; pass `next_after` as `after` for the next page."""

    items: list[Revocation]
    next_after: int


class TokenPair(BaseModel):
    """An access token (a 15-minute EdDSA JWT) and a refresh token."""

    access_token: str
    refresh_token: str
    token_type: Literal["bearer"]
    expires_in: int = Field(description="Seconds the access token stays valid.")


class RotatedKey(BaseModel):
    """The new signing key and when it starts signing."""

    kid: str
    signs_in_s: float


class Jwks(BaseModel):
    """Public keys that verify access tokens (RFC 7517)."""

    keys: list[dict[str, Any]]


class Alive(BaseModel):
    status: Literal["ok"]


class Ready(BaseModel):
    """The replica is ready: the database answers, and the relay publishes if it leads."""

    status: Literal["ready"]
    database: Literal["ok"]
    sweeper_leader: bool
    relay: dict[str, Any] | None = None
