"""Specs of the decision state: calendar blocks, pruning, evolve/fold and the JSON snapshot."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from uuid import UUID

import pytest

from command_service.domain import (
    STATE_SCHEMA,
    CorruptStreamError,
    VehicleState,
    active_blocks,
    decide,
    evolve,
    fold,
    prune,
    state_from_json,
    state_to_json,
)
from command_service.domain.commands import (
    Command,
    CompleteMaintenance,
    ExpireHold,
    ReleaseHold,
)
from command_service.domain.errors import BookingNotCancellableError, Conflict
from shared.contract.events import Location, VehicleRetired
from shared.contract.organizations import DEFAULT_ORGANIZATION_ID
from tests.unit.fakes import (
    BOOKING,
    BOOKING_2,
    BOOKING_3,
    HOLD,
    HOLD_2,
    MAINTENANCE,
    MAINTENANCE_2,
    NOW,
    ODOMETER,
    VEHICLE,
    Ids,
    Vehicle,
    at,
    book,
    cancel,
    end_trip,
    place_hold,
    register_command,
    schedule,
    start_trip,
)


def state_of(vehicle: Vehicle) -> VehicleState:
    """The vehicle's state, which must exist."""
    assert vehicle.state is not None
    return vehicle.state


def busy(vehicle: Vehicle) -> Vehicle:
    """A vehicle with one of everything: bookings, a trip, holds and maintenance windows."""
    vehicle.given(book(at(days=2), at(days=3)), book(at(hours=-1), at(hours=2), BOOKING_2))
    vehicle.given(start_trip(BOOKING_2), at=at(hours=-1))
    vehicle.given(place_hold(at(days=4), at(days=5)), at=at(minutes=-1))
    vehicle.given(place_hold(at(days=6), at(days=7), HOLD_2), at=at(minutes=-1))
    vehicle.given(ReleaseHold(hold_id=HOLD_2), at=at(minutes=-1))
    vehicle.given(schedule(at(days=8), at(days=9)), schedule(at(days=1), at(days=2), MAINTENANCE_2))
    return vehicle


# --- active_blocks ------------------------------------------------------------------------


def test_active_blocks_lists_what_blocks_sorted_by_start(vehicle: Vehicle) -> None:
    assert active_blocks(state_of(busy(vehicle)), NOW) == [
        Conflict("booking", BOOKING_2, at(hours=-1), at(hours=2)),
        Conflict("maintenance", MAINTENANCE_2, at(days=1), at(days=2)),
        Conflict("booking", BOOKING, at(days=2), at(days=3)),
        Conflict("hold", HOLD, at(days=4), at(days=5)),
        Conflict("maintenance", MAINTENANCE, at(days=8), at(days=9)),
    ]


def test_active_blocks_drop_holds_at_their_expiry(vehicle: Vehicle) -> None:
    vehicle.given(place_hold(at(days=4), at(days=5)), at=at(minutes=-1))
    assert active_blocks(state_of(vehicle), at(minutes=13, seconds=59)) != []
    assert active_blocks(state_of(vehicle), at(minutes=14)) == []


# --- prune --------------------------------------------------------------------------------


def test_prune_keeps_everything_still_relevant(vehicle: Vehicle) -> None:
    state = state_of(busy(vehicle))
    assert prune(state, NOW) == state


def test_prune_drops_bookings_fifteen_minutes_after_their_end(vehicle: Vehicle) -> None:
    vehicle.given(book(at(hours=-3), at(hours=-2)), at=at(days=-1))
    state = state_of(vehicle)
    assert prune(state, at(hours=-2, minutes=15)).bookings == state.bookings
    assert prune(state, at(hours=-2, minutes=15, seconds=1)).bookings == ()


def test_prune_keeps_the_booking_of_a_running_trip(vehicle: Vehicle) -> None:
    vehicle.given(book(at(hours=-3), at(hours=-2)), at=at(days=-1))
    vehicle.given(start_trip(), at=at(hours=-3))
    state = prune(state_of(vehicle), at(days=3))
    assert [b.booking_id for b in state.bookings] == [BOOKING]
    assert len(vehicle.when(end_trip(), at=at(days=3))) == 2


def test_prune_drops_ended_trips_a_day_after_they_ended(vehicle: Vehicle) -> None:
    vehicle.given(book(at(hours=-3), at(hours=-2)), at=at(days=-1))
    vehicle.given(start_trip(), at=at(hours=-3))
    vehicle.given(end_trip(), at=at(hours=-2))
    state = state_of(vehicle)
    assert prune(state, at(days=1, hours=-2)).trips == state.trips
    assert prune(state, at(days=1, hours=-2, seconds=1)).trips == ()


def test_prune_drops_resolved_holds_once_window_and_expiry_passed(vehicle: Vehicle) -> None:
    vehicle.given(place_hold(at(hours=1), at(hours=2)), at=at(minutes=-1))
    vehicle.given(ReleaseHold(hold_id=HOLD), at=at(minutes=-1))
    state = state_of(vehicle)
    assert prune(state, at(hours=2)).holds == state.holds
    assert prune(state, at(hours=2, seconds=1)).holds == ()


def test_prune_keeps_an_unexpired_hold_so_the_sweeper_can_expire_it(vehicle: Vehicle) -> None:
    vehicle.given(place_hold(at(hours=1), at(hours=2)), at=at(minutes=-1))
    later = at(days=3)
    pruned = prune(state_of(vehicle), later)
    assert pruned.holds == state_of(vehicle).holds
    assert len(vehicle.when(ExpireHold(hold_id=HOLD), at=later)) == 1


def test_prune_drops_completed_maintenance_once_its_block_is_past(vehicle: Vehicle) -> None:
    vehicle.given(schedule(at(hours=-1), at(hours=3)), at=at(hours=-1))
    vehicle.given(CompleteMaintenance(MAINTENANCE, ODOMETER), at=NOW)
    state = state_of(vehicle)
    # Maintenance may start 5 minutes in the past, so the block must survive that long.
    assert prune(state, at(minutes=5)).maintenance == state.maintenance
    assert prune(state, at(minutes=5, seconds=1)).maintenance == ()


def test_prune_keeps_uncompleted_maintenance(vehicle: Vehicle) -> None:
    vehicle.given(schedule(at(hours=-1), at(hours=3)), at=at(hours=-1))
    state = state_of(vehicle)
    assert prune(state, at(days=30)) == state


def test_a_pruned_state_still_refuses_a_second_cancellation(vehicle: Vehicle) -> None:
    vehicle.given(book(at(days=2), at(days=3)), cancel())
    pruned = prune(state_of(vehicle), at(days=1))
    with pytest.raises(BookingNotCancellableError, match="cancelled"):
        decide(pruned, cancel(), at(days=1), Ids(1))


def a_day_of_driving(day: int) -> list[tuple[Command, datetime]]:
    """Book, drive and return the vehicle on day `day` after NOW."""
    noon = NOW + timedelta(days=day)
    booking, trip = UUID(int=10_000 + day), UUID(int=20_000 + day)
    return [
        (book(noon + timedelta(hours=1), noon + timedelta(hours=3), booking), noon),
        (start_trip(booking, trip, ODOMETER + day), noon + timedelta(hours=1)),
        (end_trip(trip, ODOMETER + day + 1), noon + timedelta(hours=2)),
    ]


def test_pruned_state_stays_small_however_long_the_stream(vehicle: Vehicle) -> None:
    state: VehicleState | None = state_of(vehicle)
    ids = Ids(1)
    for day in range(200):
        for command, moment in a_day_of_driving(day):
            assert state is not None
            state = prune(state, moment)
            state = fold(decide(state, command, moment, ids), state)
    assert state is not None
    assert (len(state.bookings), len(state.trips), state.version) == (1, 2, 1 + 4 * 200)


# --- evolve / fold ------------------------------------------------------------------------


def test_fold_of_nothing_is_nothing() -> None:
    assert fold([]) is None


def test_evolve_refuses_a_version_gap(vehicle: Vehicle) -> None:
    event = VehicleRetired(
        event_id=UUID(int=1),
        vehicle_id=VEHICLE,
        version=3,
        occurred_at=NOW,
        reason="x",
        organization_id=DEFAULT_ORGANIZATION_ID,
    )
    with pytest.raises(CorruptStreamError):
        evolve(vehicle.state, event)


def test_evolve_refuses_events_before_registration() -> None:
    event = VehicleRetired(
        event_id=UUID(int=1),
        vehicle_id=VEHICLE,
        version=1,
        occurred_at=NOW,
        reason="x",
        organization_id=DEFAULT_ORGANIZATION_ID,
    )
    with pytest.raises(CorruptStreamError):
        evolve(None, event)


def test_evolve_refuses_a_second_registration(vehicle: Vehicle) -> None:
    with pytest.raises(CorruptStreamError):
        fold(vehicle.history, vehicle.state)


def test_folding_in_parts_equals_folding_at_once(vehicle: Vehicle) -> None:
    history = busy(vehicle).history
    assert fold(history[5:], fold(history[:5])) == fold(history)


# --- JSON snapshot ------------------------------------------------------------------------


def test_state_round_trips_through_json() -> None:
    vehicle = Vehicle().given(register_command(home=Location(lat=48.1, lon=11.6)))
    busy(vehicle).given(end_trip(), at=at(minutes=-30))
    vehicle.given(CompleteMaintenance(MAINTENANCE_2, ODOMETER + 100), at=at(minutes=-20))
    vehicle.given(book(at(days=20), at(days=21), BOOKING_3), cancel(BOOKING_3))
    state = state_of(vehicle)
    data = state_to_json(state)
    assert state_from_json(json.loads(json.dumps(data))) == state


def test_state_json_uses_strings_for_ids_and_times(vehicle: Vehicle) -> None:
    data = state_to_json(state_of(vehicle))
    assert data["vehicle_id"] == str(VEHICLE)
    assert isinstance(data["last_service_at"], str)
    assert isinstance(STATE_SCHEMA, int)
