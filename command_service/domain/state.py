"""Decision state of one vehicle: frozen records, sorted by start, and its JSON snapshot form."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal, Protocol, TypeVar, cast
from uuid import UUID

from pydantic import TypeAdapter

from shared.contract.events import Location, VehicleStatus
from shared.contract.organizations import DEFAULT_ORGANIZATION_ID
from shared.pricing.priced import Priced

# 2: the state row holds attributes and trips; calendar blocks are rows of their own.
STATE_SCHEMA = 2

HoldResolution = Literal["confirmed", "released", "expired"]
BookingStatus = Literal["confirmed", "cancelled", "completed"]


@dataclass(frozen=True)
class Hold:
    """A quoted temporary block; it blocks while unresolved and before expires_at."""

    hold_id: UUID
    customer_id: UUID
    start: datetime
    end: datetime
    expires_at: datetime
    price_cents: int
    currency: str
    resolution: HoldResolution | None = None
    purpose: str | None = None  # carried into the booking it is confirmed as
    cost_centre: str | None = None
    pricing: Priced | None = None  # how price_cents was derived (None before policies)

    def is_active(self, now: datetime) -> bool:
        """Whether the hold still blocks its window at `now`."""
        return self.resolution is None and now < self.expires_at


@dataclass(frozen=True)
class Booking:
    """A booking of [start, end); it blocks while confirmed (not cancelled or completed)."""

    booking_id: UUID
    customer_id: UUID
    start: datetime
    end: datetime
    price_cents: int
    currency: str
    purpose: str | None = None
    hold_id: UUID | None = None
    status: BookingStatus = "confirmed"
    trip_id: UUID | None = None
    cost_centre: str | None = None
    pricing: Priced | None = None


@dataclass(frozen=True)
class Trip:
    """A trip on a booking; running until ended_at is set."""

    trip_id: UUID
    booking_id: UUID
    customer_id: UUID
    start_odometer_km: int
    started_at: datetime
    end_odometer_km: int | None = None
    ended_at: datetime | None = None

    @property
    def running(self) -> bool:
        """Whether the vehicle is still out on this trip."""
        return self.ended_at is None


@dataclass(frozen=True)
class Maintenance:
    """A workshop window; once completed it blocks only up to its completion."""

    maintenance_id: UUID
    start: datetime
    end: datetime
    reason: str
    completed_at: datetime | None = None
    odometer_km: int | None = None

    @property
    def block_end(self) -> datetime:
        """End of the blocked interval: the window end, or the completion if earlier."""
        if self.completed_at is None:
            return self.end
        return min(self.end, self.completed_at)


@dataclass(frozen=True)
class VehicleState:
    """Everything a decision on one vehicle needs; calendar records sorted by (start, id)."""

    vehicle_id: UUID
    version: int
    status: VehicleStatus
    retired: bool
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
    km_at_last_service: int
    last_service_at: datetime
    home: Location | None = None
    # Snapshots written before organizations existed decode as `default`'s.
    organization_id: UUID = DEFAULT_ORGANIZATION_ID
    location_id: UUID | None = None
    holds: tuple[Hold, ...] = ()
    bookings: tuple[Booking, ...] = ()
    trips: tuple[Trip, ...] = ()
    maintenance: tuple[Maintenance, ...] = ()


Block = Hold | Booking | Maintenance


def block_id(block: Block) -> UUID:
    """The id of a calendar block, whatever its kind."""
    if isinstance(block, Booking):
        return block.booking_id
    if isinstance(block, Hold):
        return block.hold_id
    return block.maintenance_id


def calendar_of(state: VehicleState) -> tuple[Block, ...]:
    """The calendar blocks the state carries (all of them, or the slice loaded)."""
    return (*state.holds, *state.bookings, *state.maintenance)


def without_calendar(state: VehicleState) -> VehicleState:
    """The state with its calendar blocks left out (attributes and trips only)."""
    return replace(state, holds=(), bookings=(), maintenance=())


def with_calendar(state: VehicleState, blocks: Iterable[Block]) -> VehicleState:
    """The state carrying exactly `blocks` as its calendar, each kind sorted by (start, id)."""
    ordered = sorted(blocks, key=lambda b: (b.start, block_id(b)))
    return replace(
        state,
        holds=tuple(b for b in ordered if isinstance(b, Hold)),
        bookings=tuple(b for b in ordered if isinstance(b, Booking)),
        maintenance=tuple(b for b in ordered if isinstance(b, Maintenance)),
    )


class _Windowed(Protocol):
    @property
    def start(self) -> datetime: ...


W = TypeVar("W", bound=_Windowed)
R = TypeVar("R")


def find(items: tuple[R, ...], key: Callable[[R], UUID], wanted: UUID) -> int | None:
    """Index of the record whose id is `wanted`, or None."""
    for index, item in enumerate(items):
        if key(item) == wanted:
            return index
    return None


def insert_by_start(items: tuple[W, ...], item: W, key: Callable[[W], UUID]) -> tuple[W, ...]:
    """A copy of `items` with `item` inserted in (start, id) order."""
    index = bisect_left(items, (item.start, key(item)), key=lambda i: (i.start, key(i)))
    return (*items[:index], item, *items[index:])


def replace_at(items: tuple[R, ...], index: int, item: R) -> tuple[R, ...]:
    """A copy of `items` with the record at `index` replaced."""
    return (*items[:index], item, *items[index + 1 :])


def starting_between(items: tuple[W, ...], low: datetime, high: datetime) -> tuple[W, ...]:
    """The records (sorted by start) whose start lies in [low, high)."""
    lo = bisect_left(items, low, key=lambda i: i.start)
    hi = bisect_left(items, high, lo=lo, key=lambda i: i.start)
    return items[lo:hi]


_ADAPTER: TypeAdapter[VehicleState] = TypeAdapter(VehicleState)


def state_to_json(state: VehicleState) -> dict[str, Any]:
    """A JSON-safe dict of the state (layout versioned by STATE_SCHEMA)."""
    return cast(dict[str, Any], _ADAPTER.dump_python(state, mode="json"))


def state_from_json(data: dict[str, Any]) -> VehicleState:
    """The state a `state_to_json` dict describes."""
    return _ADAPTER.validate_python(data)
