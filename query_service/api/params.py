"""Query parameters shared by several read routes, and their cross-field rules."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import Query
from pydantic import AwareDatetime

from query_service.api.errors import InvalidQueryError
from query_service.api.queries.availability import Near

DEFAULT_RADIUS_KM = 25.0
MAX_RADIUS_KM = 20_040.0  # half the Earth's circumference: everything

# Free-text filters: no control characters (PostgreSQL cannot even compare with NUL).
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
Make = Annotated[
    str | None, Query(max_length=64, pattern=PRINTABLE, description="Exact make, any case.")
]
Model = Annotated[
    str | None, Query(max_length=64, pattern=PRINTABLE, description="Exact model, any case.")
]

LocationId = Annotated[
    UUID | None,
    Query(description="Only this location's (branch's): see docs/analytics.md for analytics."),
]

From = Annotated[
    AwareDatetime | None,
    Query(alias="from", description="Only items overlapping [from, to); RFC 3339 with offset."),
]
To = Annotated[
    AwareDatetime | None,
    Query(alias="to", description="Exclusive end of the window; must be after `from`."),
]


def check_window(start: datetime | None, end: datetime | None, end_field: str = "to") -> None:
    """Raise unless end is after start (when both are given)."""
    if start is not None and end is not None and end <= start:
        raise InvalidQueryError(f"{end_field} must be after the start of the window", end_field)


def _coordinates(near: str) -> tuple[float, float]:
    try:
        lat, lon = (float(part) for part in near.split(","))
    except ValueError as exc:
        raise InvalidQueryError("near must be `lat,lon` in decimal degrees", "near") from exc
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidQueryError("near must have lat in [-90, 90] and lon in [-180, 180]", "near")
    return lat, lon


def parse_near(near: str | None, radius_km: float | None) -> Near | None:
    """The `near=lat,lon` + `radius_km` pair as a Near, or None without `near`."""
    if near is None:
        if radius_km is not None:
            raise InvalidQueryError("radius_km needs near", "radius_km")
        return None
    lat, lon = _coordinates(near)
    return Near(lat, lon, DEFAULT_RADIUS_KM if radius_km is None else radius_km)
