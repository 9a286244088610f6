"""Property: random command sequences on one vehicle keep the state consistent.

After each accepted command: active blocks never overlap, the state survives a JSON round
trip, incremental evolve equals a fold of the whole stream, and a snapshot that is pruned
before every decision (as the command handler keeps it) decides exactly like the full
state and prunes to the same thing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from command_service.domain import (
    VehicleState,
    active_blocks,
    decide,
    evolve,
    fold,
    prune,
    state_from_json,
    state_to_json,
)
from command_service.domain.calendar import overlapping
from command_service.domain.commands import (
    BookVehicle,
    CancelBooking,
    ChangeVehicleStatus,
    Command,
    CompleteMaintenance,
    ConfirmHold,
    EndTrip,
    ExpireHold,
    OperatorStatus,
    PlaceHold,
    ReleaseHold,
    RetireVehicle,
    ScheduleMaintenance,
    StartTrip,
    UpdateVehicleDetails,
)
from command_service.domain.errors import (
    DomainError,
    FutureBookingsExistError,
    IdAlreadyUsedError,
    UnknownEntityError,
    VehicleRetiredError,
)
from shared.contract.events import Event
from tests.unit.fakes import CUSTOMER, NOW, Ids, register_command

QUARTER = timedelta(minutes=15)
FIVE_MINUTES = timedelta(minutes=5)
UNKNOWN = UUID(int=0xDEAD)
OPERATOR_TARGETS: list[OperatorStatus] = ["available", "maintenance", "inactive"]
# Weighted so that sequences often reach trips and confirmations; retirement is tried last.
KINDS = (
    ["book"] * 4
    + ["hold"] * 3
    + ["confirm"] * 3
    + ["release", "expire", "expire", "cancel", "cancel"]
    + ["start"] * 4
    + ["end"] * 3
    + ["schedule", "schedule", "complete", "complete", "status", "rates"]
)
quarters = st.sampled_from([0, 0, 1, 1, 1, 2, 2, 4, 8, 96]).map(lambda q: q * QUARTER)
advances = quarters | st.integers(0, 3600).map(lambda s: timedelta(seconds=s))


@dataclass(frozen=True)
class Draw:
    """What a command builder may draw from: the data, the state, the clock and a fresh id."""

    data: st.DataObject
    state: VehicleState
    now: datetime
    fresh: UUID

    def window(self) -> tuple[datetime, datetime]:
        """A window on the quarter-hour grid around now, sometimes invalid."""
        start = self.now + self.data.draw(st.sampled_from([1, 2, 3, 4, 6, 8, 12, 0, -1])) * QUARTER
        length = self.data.draw(st.sampled_from([1, 1, 2, 4, 8, 16, 96, 0, 3000]))
        return start, start + length * QUARTER

    def new_id(self, known: list[UUID]) -> UUID:
        """Mostly a fresh id, sometimes one the vehicle already uses."""
        return self.data.draw(st.sampled_from([self.fresh, *known]))

    def known(self, relevant: list[UUID], others: list[UUID]) -> UUID:
        """Mostly an id the command applies to, sometimes another known or an unknown one."""
        if relevant and self.data.draw(st.integers(0, 4)) > 0:
            return self.data.draw(st.sampled_from(relevant))
        return self.data.draw(st.sampled_from([*others, UNKNOWN]))

    def hourly_rate(self) -> int:
        """A new hourly rate."""
        return self.data.draw(st.integers(1, 3000))

    def reading(self) -> int:
        """An odometer reading around the vehicle's."""
        return self.state.odometer_km + self.data.draw(st.integers(-1, 60))


def booking_ids(state: VehicleState) -> list[UUID]:
    """Ids of the bookings the vehicle holds."""
    return [b.booking_id for b in state.bookings]


def hold_ids(state: VehicleState) -> list[UUID]:
    """Ids of the holds the vehicle holds."""
    return [h.hold_id for h in state.holds]


def some_booking(d: Draw) -> UUID:
    """A booking id, preferring confirmed bookings."""
    confirmed = [b.booking_id for b in d.state.bookings if b.status == "confirmed"]
    return d.known(confirmed, booking_ids(d.state))


def some_hold(d: Draw) -> UUID:
    """A hold id, preferring unresolved holds."""
    unresolved = [h.hold_id for h in d.state.holds if h.resolution is None]
    return d.known(unresolved, hold_ids(d.state))


def some_trip(d: Draw) -> UUID:
    """A trip id, preferring running trips."""
    trips = d.state.trips
    return d.known([t.trip_id for t in trips if t.running], [t.trip_id for t in trips])


def some_window(d: Draw) -> UUID:
    """A maintenance id, preferring windows not completed yet."""
    windows = d.state.maintenance
    open_ = [m.maintenance_id for m in windows if m.completed_at is None]
    return d.known(open_, [m.maintenance_id for m in windows])


Step = tuple[datetime, Command]


def book_step(d: Draw) -> Step:
    start, end = d.window()
    return d.now, BookVehicle(d.new_id(booking_ids(d.state)), CUSTOMER, start, end)


def hold_step(d: Draw) -> Step:
    start, end = d.window()
    ttl = d.data.draw(st.sampled_from([900, 60, 3600]))
    return d.now, PlaceHold(d.new_id(hold_ids(d.state)), CUSTOMER, start, end, ttl)


def confirm_step(d: Draw) -> Step:
    """Confirm a hold soon after the previous step, so that it has not lapsed yet."""
    soon = d.now + d.data.draw(st.integers(0, 600)) * timedelta(seconds=1)
    return soon, ConfirmHold(some_hold(d), d.new_id(booking_ids(d.state)))


def schedule_step(d: Draw) -> Step:
    start, end = d.window()
    known = [m.maintenance_id for m in d.state.maintenance]
    return d.now, ScheduleMaintenance(d.new_id(known), start - FIVE_MINUTES, end, "x")


def start_step(d: Draw) -> Step:
    """Start a trip, mostly with the clock moved near the booking's window."""
    booking_id = some_booking(d)
    trips = [t.trip_id for t in d.state.trips]
    now = d.now
    for booking in d.state.bookings:
        if booking.booking_id == booking_id and d.data.draw(st.integers(0, 3)) > 0:
            now = max(now, booking.start + d.data.draw(st.integers(-4, 40)) * FIVE_MINUTES)
    return now, StartTrip(d.new_id(trips), booking_id, d.reading())


def status_step(d: Draw) -> Step:
    target = d.data.draw(st.sampled_from(OPERATOR_TARGETS))
    return d.now, ChangeVehicleStatus(target, "x")


STEPS: dict[str, Callable[[Draw], Step]] = {
    "book": book_step,
    "hold": hold_step,
    "confirm": confirm_step,
    "release": lambda d: (d.now, ReleaseHold(some_hold(d))),
    "expire": lambda d: (d.now, ExpireHold(some_hold(d))),
    "cancel": lambda d: (d.now, CancelBooking(some_booking(d), "x")),
    "start": start_step,
    "end": lambda d: (d.now, EndTrip(some_trip(d), d.reading())),
    "schedule": schedule_step,
    "complete": lambda d: (d.now, CompleteMaintenance(some_window(d), d.reading())),
    "status": status_step,
    "rates": lambda d: (d.now, UpdateVehicleDetails(hourly_rate_cents=d.hourly_rate())),
}
NEEDS = {
    "confirm": "holds",
    "release": "holds",
    "expire": "holds",
    "cancel": "bookings",
    "start": "bookings",
    "end": "trips",
    "complete": "maintenance",
}


def kinds_for(state: VehicleState) -> list[str]:
    """The step kinds worth drawing: those whose records exist on the vehicle."""
    return [k for k in KINDS if k not in NEEDS or getattr(state, NEEDS[k])]


def draw_step(data: st.DataObject, state: VehicleState, now: datetime, step: int) -> Step:
    """The clock and command of the next step."""
    now += data.draw(advances)
    kind = data.draw(st.sampled_from(kinds_for(state)))
    return STEPS[kind](Draw(data, state, now, UUID(int=0xF0000 + step)))


def outcome(
    state: VehicleState, command: Command, now: datetime, first_id: int
) -> list[Event] | DomainError:
    """The events a decision produces, or the rule it breaks."""
    try:
        return decide(state, command, now, Ids(first_id))
    except DomainError as error:
        return error


def check_same_decision(full: list[Event] | DomainError, snap: list[Event] | DomainError) -> None:
    """The pruned snapshot decides like the full state (a pruned record may read as unknown)."""
    if isinstance(full, list) or isinstance(snap, list):
        assert full == snap
    elif type(full) is not type(snap):
        assert isinstance(snap, UnknownEntityError), (full, snap)
    else:
        assert getattr(full, "conflicts", None) == getattr(snap, "conflicts", None)


def check_calendar(state: VehicleState, command: Command, now: datetime) -> None:
    """Active blocks never overlap, and the bisecting overlap query agrees with a scan."""
    blocks = active_blocks(state, now)
    for earlier, later in pairwise(blocks):
        assert earlier.end <= later.start, (earlier, later)
    if isinstance(command, BookVehicle | PlaceHold | ScheduleMaintenance):
        start, end = command.start, command.end
        scanned = [b for b in blocks if b.start < end and start < b.end]
        assert overlapping(state, start, end, now) == scanned


def check_state(state: VehicleState, snapshot: VehicleState, history: list[Event]) -> None:
    """JSON round trips exactly, and incremental evolve equals folding the whole stream."""
    assert state_from_json(state_to_json(state)) == state
    assert state_from_json(state_to_json(snapshot)) == snapshot
    assert fold(history) == state


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.data())
def test_random_command_sequences_keep_the_vehicle_consistent(data: st.DataObject) -> None:
    now = NOW
    ids = Ids(1)
    history = decide(None, register_command(), now, ids)
    state = snapshot = fold(history)
    assert state is not None and snapshot is not None
    for step in range(data.draw(st.integers(1, 40))):
        now, command = draw_step(data, state, now, step)
        full = outcome(state, command, now, ids.next_int)
        if isinstance(full, IdAlreadyUsedError):
            continue  # the fleet-wide id index refuses reuse of ids pruned from a snapshot
        snapshot = prune(snapshot, now)
        check_same_decision(full, outcome(snapshot, command, now, ids.next_int))
        if not isinstance(full, list) or not full:
            continue
        ids.next_int += len(full)
        history += full
        state = evolve_all(state, full)
        snapshot = evolve_all(snapshot, full)
        check_calendar(state, command, now)
        check_state(state, snapshot, history)
        assert prune(snapshot, now) == prune(state, now)
    check_retirement(state, snapshot, now)


def check_retirement(state: VehicleState, snapshot: VehicleState, now: datetime) -> None:
    """Retiring decides alike on both states; a retired vehicle refuses every command."""
    retire = RetireVehicle("x")
    full = outcome(state, retire, now, 1)
    check_same_decision(full, outcome(prune(snapshot, now), retire, now, 1))
    if isinstance(full, FutureBookingsExistError):
        assert full.conflicts
    else:
        assert isinstance(full, list)
        retired = evolve_all(state, full)
        assert isinstance(outcome(retired, retire, now, 1), VehicleRetiredError)


def evolve_all(state: VehicleState, events: list[Event]) -> VehicleState:
    """The state after `events`."""
    for event in events:
        state = evolve(state, event)
    return state
