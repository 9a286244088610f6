"""Request bodies of the command API: strict (unknown fields → 422, naive datetimes → 422).

Shape checks live here; business rules (VIN alphabet, window lengths, ...) live in the
domain so that every entry point enforces them the same way.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from command_service.api.documented_rules import (
    BookingEnd,
    BookingStart,
    CostCentre,
    Currency,
    MaintenanceEnd,
    MaintenanceStart,
    Plate,
    Seats,
    TtlSeconds,
    Vin,
    Year,
)
from shared.contract.events import Location

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tab, CR and LF stay allowed
Text = Annotated[str, Field(min_length=1, max_length=500)]
ShortText = Annotated[str, Field(min_length=1, max_length=64)]
Cents = Annotated[int, Field(ge=1, le=10**9)]
Odometer = Annotated[int, Field(ge=0, le=10**7)]
# The id the examples name: replace it with one the service gave you.
EXAMPLE_ID = "0b3f1c2e-5d6a-4e7f-8a9b-0c1d2e3f4a5b"


def _days_ahead(days: int, hour: int) -> str:
    """A moment `days` from today at `hour`:00 UTC: examples stay in the bookable future."""
    day = datetime.now(UTC).date() + timedelta(days=days)
    return datetime.combine(day, time(hour), UTC).isoformat().replace("+00:00", "Z")


def example(**body: Any) -> ConfigDict:
    """A model config whose OpenAPI schema carries one request example, built when the
    document is (window examples relative to that day, so they pass the domain's rules)."""

    def extra(schema: dict[str, Any]) -> None:
        values = {k: v() if callable(v) else v for k, v in body.items()}
        schema["examples"] = [values]

    return ConfigDict(json_schema_extra=extra)


def _window(days: int, start_hour: int, end_hour: int) -> dict[str, Any]:
    return {
        "start": lambda: _days_ahead(days, start_hour),
        "end": lambda: _days_ahead(days, end_hour),
    }


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)

    @field_validator("*", mode="after")
    @classmethod
    def _printable(cls, value: object) -> object:
        """No control characters in text (PostgreSQL cannot even store NUL): 422."""
        if isinstance(value, str) and _CONTROL.search(value):
            raise ValueError("control characters are not allowed")
        return value


Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]


class GeoPoint(Strict):
    lat: Latitude
    lon: Longitude

    def location(self) -> Location:
        return Location(lat=self.lat, lon=self.lon)


class RegisterVehicleBody(Strict):
    model_config = example(
        vin="1HGCM82633A004352",
        plate="B-FL 1001",
        make="Volkswagen",
        model="Golf",
        year=2024,
        seats=5,
        hourly_rate_cents=1200,
        daily_rate_cents=6000,
        currency="EUR",
        odometer_km=1000,
        home={"lat": 52.52, "lon": 13.405},
    )
    vin: Vin
    plate: Plate
    make: ShortText
    model: ShortText
    year: Year
    seats: Seats
    hourly_rate_cents: Cents
    daily_rate_cents: Cents
    currency: Currency
    odometer_km: Odometer
    home: GeoPoint | None = None
    location_id: UUID | None = None  # a location of the caller's organization, else 404


class UpdateVehicleBody(Strict):
    model_config = example(plate="B-FL 2002", seats=4, hourly_rate_cents=1400)
    plate: Plate | None = None
    make: ShortText | None = None
    model: ShortText | None = None
    seats: Seats | None = None
    hourly_rate_cents: Cents | None = None
    daily_rate_cents: Cents | None = None
    currency: Currency | None = None
    home: GeoPoint | None = None
    location_id: UUID | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> UpdateVehicleBody:
        if not self.model_fields_set:
            raise ValueError("at least one field must be given")
        return self


class ChangeStatusBody(Strict):
    model_config = example(status="maintenance", reason="brake check")
    status: Literal["available", "maintenance", "inactive"]
    reason: Text


class ReasonBody(Strict):
    model_config = example(reason="plans changed")
    reason: Text


class MaintenanceBody(Strict):
    model_config = example(**_window(2, 8, 12), reason="tyre change")
    start: MaintenanceStart
    end: MaintenanceEnd
    reason: Text


class OdometerBody(Strict):
    model_config = example(odometer_km=1250)
    odometer_km: Odometer


Purpose = Annotated[str, Field(max_length=500, description="What the booking is for.")]
CustomerId = Annotated[
    UUID,
    Field(
        description="Whom it is for (default: the caller). Staff may name an account of "
        "their own organization; any other id answers 404."
    ),
]


ExtraCode = Annotated[str, Field(min_length=1, max_length=64)]
Extras = Annotated[
    list[ExtraCode],
    Field(max_length=20, description="Codes of the extras the vehicle's pricing policy offers."),
]
QuoteId = Annotated[
    UUID,
    Field(
        description="An unexpired quote for the same vehicle and window (and extras, if "
        "given): its price is taken. 404 unknown, 422 another vehicle/window/extras, "
        "409 `quote-expired`."
    ),
]


class QuoteBody(Strict):
    model_config = example(vehicle_id=EXAMPLE_ID, **_window(1, 9, 12), extras=[])
    vehicle_id: UUID
    start: BookingStart
    end: BookingEnd
    extras: Extras = []


class PlaceHoldBody(Strict):
    model_config = example(vehicle_id=EXAMPLE_ID, **_window(1, 9, 12), ttl_seconds=900)
    vehicle_id: UUID
    start: BookingStart
    end: BookingEnd
    ttl_seconds: TtlSeconds = 900
    customer_id: CustomerId | None = None
    purpose: Purpose | None = None
    cost_centre: CostCentre | None = None
    quote_id: QuoteId | None = None
    extras: Extras = []


class BookBody(Strict):
    model_config = example(
        vehicle_id=EXAMPLE_ID, **_window(1, 13, 16), purpose="site visit", cost_centre="CC-4711"
    )
    vehicle_id: UUID
    start: BookingStart
    end: BookingEnd
    customer_id: CustomerId | None = None
    purpose: Purpose | None = None
    cost_centre: CostCentre | None = None
    quote_id: QuoteId | None = None
    extras: Extras = []


class StartTripBody(Strict):
    model_config = example(booking_id=EXAMPLE_ID, odometer_km=1250)
    booking_id: UUID
    odometer_km: Odometer
