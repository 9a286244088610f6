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
    PlaceHold,
    ReleaseHold,
    RetireVehicle,
    ScheduleMaintenance,
    StartTrip,
    UpdateVehicleDetails,
)
from command_service.domain.errors import (
    DomainError,
    IdAlreadyUsedError,
    UnknownEntityError,
)
from shared.events import Event
from tests.unit.fakes import CUSTOMER, NOW, Ids, register_command

QUARTER = timedelta(minutes=15)
FIVE_MINUTES = timedelta(minutes=5)
UNKNOWN = UUID(int=0xDEAD)
# Weighted so that sequences often reach trips and confirmations; retiring ends a sequence.
KINDS = (
    ["book"] * 4
    + ["hold"] * 3
    + ["confirm"] * 3
    + ["release", "expire", "expire", "cancel", "cancel"]
    + ["start"] * 4
    + ["end"] * 3
    + ["schedule", "schedule", "complete", "complete", "status", "status", "rates", "retire"]
)
advances = st.sampled_from([0, 0, 1, 1, 1, 2, 2, 4, 8, 96]).map(
    lambda q: q * QUARTER
) | st.integers(0, 3600).map(lambda s: timedelta(seconds=s))


@dataclass(frozen=True)
class Draw:
    """What a command builder may draw from: the data, the state, the clock and a fresh id."""

    data: st.DataObject
    state: VehicleState
    now: datetime
    fresh: UUID

    def window(self) -> tuple[datetime, datetime]:
        """A window on the quarter-hour grid around now, sometimes invalid."""
        start = self.now + self.data.draw(st.integers(-1, 12)) * QUARTER
        length = self.data.draw(st.sampled_from([1, 1, 2, 4, 8, 16, 96, 0, 3000]))
        return start, start + length * QUARTER

    def new_id(self, known: list[UUID]) -> UUID:
        """Mostly a fresh id, sometimes one the vehicle already uses."""
        return self.data.draw(st.sampled_from([self.fresh, *known]))

    def known(self, ids: list[UUID]) -> UUID:
        """Mostly an id the vehicle knows, sometimes an unknown one."""
        return self.data.draw(st.sampled_from([*ids, UNKNOWN]))

    def reading(self) -> int:
        """An odometer reading around the vehicle's."""
        return self.state.odometer_km + self.data.draw(st.integers(-1, 60))


def booking_ids(state: VehicleState) -> list[UUID]:
    return [b.booking_id for b in state.bookings]


def hold_ids(state: VehicleState) -> list[UUID]:
    return [h.hold_id for h in state.holds]


def book_step(d: Draw) -> Command:
    start, end = d.window()
    return BookVehicle(d.new_id(booking_ids(d.state)), CUSTOMER, start, end)


def hold_step(d: Draw) -> Command:
    start, end = d.window()
    ttl = d.data.draw(st.sampled_from([900, 60, 3600]))
    return PlaceHold(d.new_id(hold_ids(d.state)), CUSTOMER, start, end, ttl)


def schedule_step(d: Draw) -> Command:
    start, end = d.window()
    known = [m.maintenance_id for m in d.state.maintenance]
    return ScheduleMaintenance(d.new_id(known), start - FIVE_MINUTES, end, "x")


def start_step(d: Draw) -> Command:
    trips = [t.trip_id for t in d.state.trips]
    return StartTrip(d.new_id(trips), d.known(booking_ids(d.state)), d.reading())


STEPS: dict[str, Callable[[Draw], Command]] = {
    "book": book_step,
    "hold": hold_step,
    "confirm": lambda d: ConfirmHold(d.known(hold_ids(d.state)), d.new_id(booking_ids(d.state))),
    "release": lambda d: ReleaseHold(d.known(hold_ids(d.state))),
    "expire": lambda d: ExpireHold(d.known(hold_ids(d.state))),
    "cancel": lambda d: CancelBooking(d.known(booking_ids(d.state)), "x"),
    "start": start_step,
    "end": lambda d: EndTrip(d.known([t.trip_id for t in d.state.trips]), d.reading()),
    "schedule": schedule_step,
    "complete": lambda d: CompleteMaintenance(
        d.known([m.maintenance_id for m in d.state.maintenance]), d.reading()
    ),
    "status": lambda d: ChangeVehicleStatus(
        d.data.draw(st.sampled_from(["available", "maintenance", "inactive"])), "x"
    ),
    "rates": lambda d: UpdateVehicleDetails(hourly_rate_cents=d.data.draw(st.integers(1, 3000))),
    "retire": lambda d: RetireVehicle("x"),
}


def next_moment(data: st.DataObject, state: VehicleState, now: datetime, kind: str) -> datetime:
    """The clock for the next command: advanced, or moved near a booking for a trip start."""
    now += data.draw(advances)
    if kind == "start" and state.bookings and data.draw(st.booleans()):
        booking = data.draw(st.sampled_from(state.bookings))
        now = max(now, booking.start + data.draw(st.integers(-4, 12)) * FIVE_MINUTES)
    return now


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


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_command_sequences_keep_the_vehicle_consistent(data: st.DataObject) -> None:
    now = NOW
    ids = Ids(1)
    history = decide(None, register_command(), now, ids)
    state = snapshot = fold(history)
    assert state is not None and snapshot is not None
    for step in range(data.draw(st.integers(1, 40))):
        kind = data.draw(st.sampled_from(KINDS))
        now = next_moment(data, state, now, kind)
        command = STEPS[kind](Draw(data, state, now, UUID(int=0xF0000 + step)))
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


def evolve_all(state: VehicleState, events: list[Event]) -> VehicleState:
    """The state after `events`."""
    for event in events:
        state = evolve(state, event)
    return state
