"""Request bodies of the command API: strict (unknown fields → 422, naive datetimes → 422).

Shape checks live here; business rules (VIN alphabet, window lengths, ...) live in the
domain so that every entry point enforces them the same way.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.contract.events import Location

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tab, CR and LF stay allowed
Text = Annotated[str, Field(min_length=1, max_length=500)]
ShortText = Annotated[str, Field(min_length=1, max_length=64)]
Cents = Annotated[int, Field(ge=1, le=10**9)]
Odometer = Annotated[int, Field(ge=0, le=10**7)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)

    @field_validator("*", mode="after")
    @classmethod
    def _printable(cls, value: object) -> object:
        """No control characters in text (PostgreSQL cannot even store NUL): 422."""
        if isinstance(value, str) and _CONTROL.search(value):
            raise ValueError("control characters are not allowed")
        return value


class GeoPoint(Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)

    def location(self) -> Location:
        return Location(lat=self.lat, lon=self.lon)


class RegisterVehicleBody(Strict):
    vin: Annotated[str, Field(min_length=1, max_length=32)]
    plate: Annotated[str, Field(min_length=1, max_length=32)]
    make: ShortText
    model: ShortText
    year: int
    seats: int
    hourly_rate_cents: Cents
    daily_rate_cents: Cents
    currency: Annotated[str, Field(min_length=3, max_length=3)]
    odometer_km: Odometer
    home: GeoPoint | None = None


class UpdateVehicleBody(Strict):
    plate: Annotated[str, Field(min_length=1, max_length=32)] | None = None
    make: ShortText | None = None
    model: ShortText | None = None
    seats: int | None = None
    hourly_rate_cents: Cents | None = None
    daily_rate_cents: Cents | None = None
    currency: Annotated[str, Field(min_length=3, max_length=3)] | None = None
    home: GeoPoint | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> UpdateVehicleBody:
        if not self.model_fields_set:
            raise ValueError("at least one field must be given")
        return self


class ChangeStatusBody(Strict):
    status: Literal["available", "maintenance", "inactive"]
    reason: Text


class ReasonBody(Strict):
    reason: Text


class MaintenanceBody(Strict):
    start: AwareDatetime
    end: AwareDatetime
    reason: Text


class OdometerBody(Strict):
    odometer_km: Odometer


class PlaceHoldBody(Strict):
    vehicle_id: UUID
    start: AwareDatetime
    end: AwareDatetime
    ttl_seconds: int = 900
    customer_id: UUID | None = None


class BookBody(Strict):
    vehicle_id: UUID
    start: AwareDatetime
    end: AwareDatetime
    customer_id: UUID | None = None
    purpose: Annotated[str, Field(max_length=500)] | None = None


class StartTripBody(Strict):
    booking_id: UUID
    odometer_km: Odometer
