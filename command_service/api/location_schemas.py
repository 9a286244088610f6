"""Request and response shapes of the location endpoints (strict: unknown fields → 422).

Shape checks live here; the rules (a time zone the IANA database knows, name and address
lengths, coordinates in range) are the domain's (command_service/domain/locations.py).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, Field, model_validator

from command_service.api.schemas import Latitude, Longitude, ShortText, Strict, Text, example

TimeZone = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        description="An IANA time zone name (`Europe/Berlin`), checked against the zone "
        "database: 422 when unknown.",
    ),
]


class OpenLocationBody(Strict):
    model_config = example(
        name="Berlin Hauptbahnhof",
        lat=52.5251,
        lon=13.3694,
        timezone="Europe/Berlin",
        address="Europaplatz 1, 10557 Berlin",
    )
    name: ShortText
    lat: Latitude
    lon: Longitude
    timezone: TimeZone
    address: Text | None = None


class UpdateLocationBody(Strict):
    model_config = example(name="Berlin Hbf", timezone="Europe/Berlin")
    name: ShortText | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    timezone: TimeZone | None = None
    address: Text | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> UpdateLocationBody:
        if not self.model_fields_set:
            raise ValueError("at least one field must be given")
        return self


class LocationWritten(BaseModel):
    """The location as opened or updated."""

    location_id: UUID
    organization_id: UUID
    name: str
    lat: float
    lon: float
    timezone: str
    address: str | None
    version: int = Field(description="The location stream's version after the write.")
    consistency_token: str = Field(
        description="Send as X-Consistency-Token to the query service to read this write."
    )
