"""The calendar slice each command loads (domain/scope.py): one rule for the store's query."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from command_service.domain import commands as cmd
from command_service.domain.rules import MAX_BOOKING_LENGTH, MAX_MAINTENANCE_LENGTH
from command_service.domain.scope import LONGEST_BLOCK, CalendarScope, calendar_scope

NOW = datetime(2030, 1, 7, 8, 0, tzinfo=UTC)
START, END = NOW + timedelta(days=3), NOW + timedelta(days=3, hours=2)
A, B = uuid.UUID(int=1), uuid.UUID(int=2)


def test_the_look_back_covers_the_longest_block_of_any_kind():
    assert LONGEST_BLOCK >= MAX_BOOKING_LENGTH
    assert LONGEST_BLOCK >= MAX_MAINTENANCE_LENGTH


@pytest.mark.parametrize(
    "command",
    [
        cmd.BookVehicle(A, B, START, END),
        cmd.PlaceHold(A, B, START, END),
        cmd.ScheduleMaintenance(A, START, END, "tyres"),
    ],
)
def test_a_window_command_loads_what_may_overlap_it_and_the_id_it_creates(command):
    scope = calendar_scope(command, NOW)
    assert scope == CalendarScope(ids=(A,), window=(START, END))
    assert scope.window_floor == START - LONGEST_BLOCK


def test_a_window_at_the_start_of_time_looks_back_no_further_than_it():
    # The scope is taken before the rules refuse such a window: it must not overflow.
    start = datetime(1, 1, 1, 0, 47, tzinfo=timezone(-timedelta(hours=22, minutes=41)))
    scope = calendar_scope(cmd.ScheduleMaintenance(A, start, start + timedelta(hours=1), "x"), NOW)
    assert scope.window_floor == datetime.min.replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("command", "ids"),
    [
        (cmd.ConfirmHold(A, B), (A, B)),
        (cmd.ReleaseHold(A), (A,)),
        (cmd.ExpireHold(A), (A,)),
        (cmd.CancelBooking(A, "plans changed"), (A,)),
        (cmd.StartTrip(B, A, 10), (A,)),
        (cmd.EndTrip(A, 20), (A,)),  # the booking carrying trip A
        (cmd.CompleteMaintenance(A, 20), (A,)),
    ],
)
def test_an_id_addressed_command_loads_only_the_blocks_it_names(command, ids):
    assert calendar_scope(command, NOW) == CalendarScope(ids=ids)


def test_retirement_loads_every_block_still_live():
    assert calendar_scope(cmd.RetireVehicle(reason="sold"), NOW) == CalendarScope(live_at=NOW)


@pytest.mark.parametrize(
    "command",
    [
        cmd.UpdateVehicleDetails(make="Skoda"),
        cmd.ChangeVehicleStatus(status="inactive", reason="winter"),
    ],
)
def test_a_command_on_the_vehicle_alone_loads_no_block(command):
    assert calendar_scope(command, NOW) == CalendarScope()
