"""The store's fast state codec round-trips exactly and agrees with the domain's codec."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from command_service.domain import commands as cmd
from command_service.domain import decide, fold, state_from_json, state_to_json
from command_service.domain.state import Booking
from command_service.store.calendar_rows import BlockDecoder
from command_service.store.state_codec import decode_block, decode_state, encode_block, encode_state
from shared.contract.events import Location
from shared.contract.serialization import loads
from shared.pricing.priced import BreakdownLine, DemandFigure, Priced
from tests.unit.fakes import NOW

_ids = iter(range(1, 10**6))


def new_id() -> UUID:
    return UUID(int=next(_ids))


def rich_state():
    """A vehicle with every kind of record, resolved and unresolved, and a home."""
    vehicle = UUID(int=0xCAFE)
    commands = [
        cmd.RegisterVehicle(
            vehicle_id=vehicle,
            vin="WVWZZZ1JZXW000777",
            plate="B-AB 12",
            make="VW",
            model="ID.3",
            year=2024,
            seats=5,
            hourly_rate_cents=900,
            daily_rate_cents=5000,
            currency="EUR",
            odometer_km=10,
            home=Location(lat=52.5, lon=13.4),
        ),
        cmd.BookVehicle(
            booking_id=UUID(int=1001),
            customer_id=UUID(int=7),
            start=NOW + timedelta(minutes=10),
            end=NOW + timedelta(hours=2),
            purpose="meeting",
        ),
        cmd.StartTrip(trip_id=UUID(int=2001), booking_id=UUID(int=1001), odometer_km=12),
        cmd.PlaceHold(
            hold_id=UUID(int=3001),
            customer_id=UUID(int=8),
            start=NOW + timedelta(days=2),
            end=NOW + timedelta(days=2, hours=3),
        ),
        cmd.PlaceHold(
            hold_id=UUID(int=3002),
            customer_id=UUID(int=8),
            start=NOW + timedelta(days=3),
            end=NOW + timedelta(days=3, hours=3),
        ),
        cmd.ReleaseHold(hold_id=UUID(int=3002)),
        cmd.ConfirmHold(hold_id=UUID(int=3001), booking_id=UUID(int=1002)),
        cmd.ScheduleMaintenance(
            maintenance_id=UUID(int=4001),
            start=NOW + timedelta(days=5),
            end=NOW + timedelta(days=6),
            reason="tyres",
        ),
        cmd.CancelBooking(booking_id=UUID(int=1002), reason="plans changed"),
    ]
    state = None
    for command in commands:
        state = fold(decide(state, command, NOW, new_id), state)
    return state


def test_fast_codec_round_trips_every_record_kind_exactly():
    state = rich_state()
    assert state.trips and state.holds and state.bookings and state.maintenance
    assert decode_state(encode_state(state)) == state


def test_fast_codec_writes_the_domain_layout_and_reads_it():
    state = rich_state()
    assert loads(encode_state(state)) == state_to_json(state)
    assert decode_state(encode_state(state)) == state_from_json(state_to_json(state))


def test_a_policy_price_in_a_block_record_comes_back_as_the_same_typed_value():
    priced = Priced(
        price_cents=2_500,
        currency="EUR",
        breakdown=[
            BreakdownLine(label="2 h x 10.00", amount_cents=2_000),
            BreakdownLine(label="demand x1.25", amount_cents=500),
        ],
        deposit_cents=10_000,
        extras=["child_seat"],
        policy_id=UUID(int=7),
        policy_version=3,
        demand=DemandFigure(booked_hours=3, capacity_hours=4, utilization=1, multiplier=1.25),
    )
    end = NOW + timedelta(hours=2)
    booking = Booking(UUID(int=1), UUID(int=2), NOW, end, 2_500, "EUR", pricing=priced)

    back = decode_block("booking", encode_block(booking))

    assert back == booking
    assert isinstance(back.pricing.breakdown[0], BreakdownLine)
    assert isinstance(back.pricing.demand.utilization, float)
    assert encode_block(back) == encode_block(booking)


def test_block_rows_decode_once_per_record_and_a_changed_record_decodes_again():
    decoder = BlockDecoder(capacity=2)
    end = NOW + timedelta(hours=2)
    booking = Booking(UUID(int=1), UUID(int=2), NOW, end, 2_500, "EUR")
    cancelled = Booking(UUID(int=1), UUID(int=2), NOW, end, 2_500, "EUR", status="cancelled")
    row = ("booking", encode_block(booking))

    first = decoder([row, row])  # two arms of the query found it: one block
    again = decoder([("booking", bytes(row[1]))])  # equal bytes, another object

    assert first == [booking]
    assert again[0] is first[0]
    assert decoder([("booking", encode_block(cancelled))]) == [cancelled]
