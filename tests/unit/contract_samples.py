"""One event of every type, as the relay would publish them: the samples the contract
documents are checked against (tests/unit/test_contract_docs.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from shared.contract.events import (
    BookingCancelled,
    BookingCompleted,
    BookingConfirmed,
    HoldConfirmed,
    HoldExpired,
    HoldPlaced,
    HoldReleased,
    Location,
    LocationOpened,
    LocationUpdated,
    MaintenanceCompleted,
    MaintenanceScheduled,
    PricingPolicyPublished,
    PricingPolicyRevised,
    StreamEvent,
    TripEnded,
    TripStarted,
    VehicleDetailsUpdated,
    VehicleRegistered,
    VehicleRetired,
    VehicleStatusChanged,
)
from shared.contract.organizations import DEFAULT_ORGANIZATION_ID
from shared.contract.payment_events import (
    PaymentAuthorized,
    PaymentCaptured,
    PaymentDeclined,
    PaymentRefunded,
    PaymentStarted,
    PaymentVoided,
)
from shared.pricing.terms import PricingTerms

AT = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)
VEHICLE, CUSTOMER, HOLD = UUID(int=0x7E1C1E), UUID(int=0xC0570), UUID(int=0x401D)
BOOKING, TRIP, MAINT = UUID(int=0xB001), UUID(int=0x7819), UUID(int=0x3A1)
BRANCH = UUID(int=0xB4A)
POLICY = UUID(int=0x9011C7)
PAYMENT = UUID(int=0x9A7)
TERMS = PricingTerms.model_validate(
    {
        "name": "City cars",
        "currency": "EUR",
        "applies_to": {"make": "Fiat"},
        "priority": 10,
        "rates": {"hourly_cents": 900, "daily_cents": 5_000, "weekly_cents": 25_000},
        "seasons": [{"start": "2030-06-01", "end": "2030-08-31", "multiplier": 1.2}],
        "demand": [{"min_utilization": 0.8, "multiplier": 1.3}],
        "extras": [{"code": "child-seat", "name": "Child seat", "price_cents": 500, "per": "day"}],
    }
)
WINDOW = {"start": AT + timedelta(days=1), "end": AT + timedelta(days=2)}


def envelope(version: int) -> dict[str, Any]:
    """Envelope fields of the sample event at `version`."""
    return {
        "event_id": UUID(int=0xE000 + version),
        "vehicle_id": VEHICLE,
        "version": version,
        "occurred_at": AT + timedelta(minutes=version),
        "organization_id": DEFAULT_ORGANIZATION_ID,
    }


def policy_envelope(version: int) -> dict[str, Any]:
    """Envelope fields of the sample pricing policy event at `version`."""
    return {
        "event_id": UUID(int=0xE000 + version),
        "policy_id": POLICY,
        "version": version,
        "occurred_at": AT + timedelta(minutes=version),
        "organization_id": DEFAULT_ORGANIZATION_ID,
    }


def payment_envelope(version: int) -> dict[str, Any]:
    """Envelope fields of the sample payment event at `version`."""
    return {
        "event_id": UUID(int=0xD000 + version),
        "payment_id": PAYMENT,
        "version": version,
        "occurred_at": AT + timedelta(minutes=version),
        "organization_id": DEFAULT_ORGANIZATION_ID,
    }


def location_envelope(version: int) -> dict[str, Any]:
    """Envelope fields of the sample location event at `version`."""
    return {
        "event_id": UUID(int=0xF000 + version),
        "location_id": BRANCH,
        "version": version,
        "occurred_at": AT + timedelta(minutes=version),
        "organization_id": DEFAULT_ORGANIZATION_ID,
    }


SAMPLES: list[StreamEvent] = [
    VehicleRegistered(
        **envelope(1),
        vin="WVWZZZ1JZXW000001",
        plate="B-FL 1",
        make="VW",
        model="ID.3",
        year=2029,
        seats=5,
        hourly_rate_cents=1_000,
        daily_rate_cents=6_000,
        currency="EUR",
        odometer_km=12_000,
        home=Location(lat=52.52, lon=13.405),
    ),
    VehicleDetailsUpdated(**envelope(2), plate="B-FL 2", hourly_rate_cents=1_200),
    VehicleStatusChanged(
        **envelope(3), from_status="available", to_status="maintenance", reason="tyres"
    ),
    HoldPlaced(
        **envelope(4),
        **WINDOW,
        hold_id=HOLD,
        customer_id=CUSTOMER,
        expires_at=AT + timedelta(minutes=15),
        price_cents=6_000,
        currency="EUR",
    ),
    HoldReleased(**envelope(5), hold_id=HOLD),
    HoldExpired(**envelope(6), hold_id=HOLD, expired_at=AT + timedelta(minutes=20)),
    HoldConfirmed(**envelope(7), hold_id=HOLD, booking_id=BOOKING),
    BookingConfirmed(
        **envelope(8),
        **WINDOW,
        booking_id=BOOKING,
        customer_id=CUSTOMER,
        price_cents=6_000,
        currency="EUR",
        hold_id=HOLD,
    ),
    BookingCancelled(
        **envelope(9),
        booking_id=BOOKING,
        reason="plans changed",
        refund_cents=3_000,
        refund_percent=50,
    ),
    TripStarted(
        **envelope(10), trip_id=TRIP, booking_id=BOOKING, customer_id=CUSTOMER, odometer_km=12_000
    ),
    TripEnded(
        **envelope(11),
        trip_id=TRIP,
        booking_id=BOOKING,
        odometer_km=12_080,
        distance_km=80,
        duration_s=7_200,
    ),
    BookingCompleted(**envelope(12), booking_id=BOOKING, trip_id=TRIP),
    MaintenanceScheduled(**envelope(13), **WINDOW, maintenance_id=MAINT, reason="service"),
    MaintenanceCompleted(**envelope(14), maintenance_id=MAINT, odometer_km=12_100),
    VehicleRetired(**envelope(15), reason="end of lease"),
    LocationOpened(
        **location_envelope(1),
        name="Berlin Hbf",
        lat=52.5251,
        lon=13.3694,
        timezone="Europe/Berlin",
        address="Europaplatz 1",
    ),
    LocationUpdated(**location_envelope(2), name="Berlin Hauptbahnhof"),
    PricingPolicyPublished(**policy_envelope(1), terms=TERMS),
    PricingPolicyRevised(
        **policy_envelope(2), terms=TERMS.model_copy(update={"deposit_cents": 30_000})
    ),
    PaymentStarted(
        **payment_envelope(1),
        hold_id=HOLD,
        vehicle_id=VEHICLE,
        customer_id=CUSTOMER,
        booking_id=BOOKING,
        provider="sandbox",
        price_cents=6_000,
        deposit_cents=30_000,
        amount_cents=36_000,
        currency="EUR",
    ),
    PaymentDeclined(**payment_envelope(2), reason="card declined"),
    PaymentAuthorized(
        **payment_envelope(2), provider_ref="auth_1", amount_cents=36_000, idempotency_key="k1"
    ),
    PaymentCaptured(
        **payment_envelope(3),
        amount_cents=6_000,
        settlement="trip_ended",
        provider_ref="auth_1",
        idempotency_key="k2",
    ),
    PaymentVoided(
        **payment_envelope(4),
        amount_cents=30_000,
        settlement="trip_ended",
        provider_ref="auth_1",
        idempotency_key="k3",
    ),
    PaymentRefunded(
        **payment_envelope(5),
        amount_cents=1_000,
        reason="goodwill",
        provider_ref="auth_1",
        idempotency_key="k4",
    ),
]
