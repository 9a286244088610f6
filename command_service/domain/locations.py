"""The location aggregate: a branch of one organization, its own event-sourced stream.

Pure `decide_location`/`evolve_location` over a frozen state, like the vehicle's. A
location is opened once and then updated; it is never closed, so an id that names a
location of an organization keeps naming it (a vehicle's `location_id` check relies on
that). Another organization's location reads exactly as an unknown id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID
from zoneinfo import available_timezones

from command_service.domain.errors import (
    IdAlreadyUsedError,
    InvalidCommandError,
    LocationNotFoundError,
)
from command_service.domain.evolve import CorruptStreamError
from command_service.domain.rules import check_home, check_name
from shared.contract.events import (
    Location,
    LocationEvent,
    LocationOpened,
    LocationUpdated,
    StreamEvent,
    as_utc,
)

MAX_ADDRESS_LENGTH = 500


@dataclass(frozen=True)
class OpenLocation:
    location_id: UUID
    organization_id: UUID  # the opening staff member's
    name: str
    lat: float
    lon: float
    timezone: str
    address: str | None = None


@dataclass(frozen=True)
class UpdateLocation:
    organization_id: UUID  # the caller's: another organization's location is unknown
    name: str | None = None
    lat: float | None = None
    lon: float | None = None
    timezone: str | None = None
    address: str | None = None


LocationCommand = OpenLocation | UpdateLocation


@dataclass(frozen=True)
class LocationState:
    """A location as its events left it."""

    location_id: UUID
    organization_id: UUID
    version: int
    name: str
    lat: float
    lon: float
    timezone: str
    address: str | None


@cache
def _zone_names() -> frozenset[str]:
    """The zones of the IANA database installed (names only: no directories, no tables)."""
    return frozenset(available_timezones())


def check_timezone(name: str) -> str:
    """Return an IANA time zone name the zone database knows, or raise."""
    if name not in _zone_names():
        raise InvalidCommandError(f"unknown IANA time zone {name!r}", "timezone")
    return name


def check_address(raw: str) -> str:
    """Return a stripped address of 1..500 characters or raise."""
    address = raw.strip()
    if not 1 <= len(address) <= MAX_ADDRESS_LENGTH:
        raise InvalidCommandError(f"address must be 1-{MAX_ADDRESS_LENGTH} characters", "address")
    return address


def _coordinates(lat: float, lon: float) -> tuple[float, float]:
    point = check_home(Location(lat=lat, lon=lon), "lat/lon")
    return point.lat, point.lon


def _envelope(location_id: UUID, organization_id: UUID, version: int, now: datetime,
              new_id: Callable[[], UUID]) -> dict[str, Any]:  # fmt: skip
    return {
        "event_id": new_id(),
        "location_id": location_id,
        "version": version,
        "occurred_at": as_utc(now),
        "organization_id": organization_id,
    }


def _open(state: LocationState | None, c: OpenLocation, now: datetime,
          new_id: Callable[[], UUID]) -> list[LocationEvent]:  # fmt: skip
    if state is not None:
        raise IdAlreadyUsedError("this location id is already used")
    lat, lon = _coordinates(c.lat, c.lon)
    opened = LocationOpened(
        **_envelope(c.location_id, c.organization_id, 1, now, new_id),
        name=check_name(c.name, "name"), lat=lat, lon=lon,
        timezone=check_timezone(c.timezone),
        address=None if c.address is None else check_address(c.address),
    )  # fmt: skip
    return [opened]


def _proposed(c: UpdateLocation) -> dict[str, Any]:
    """The validated values of the fields the command sets."""
    if (c.lat is None) != (c.lon is None):
        raise InvalidCommandError("lat and lon change together", "lat/lon")
    lat, lon = (None, None) if c.lat is None or c.lon is None else _coordinates(c.lat, c.lon)
    proposed = {
        "name": None if c.name is None else check_name(c.name, "name"),
        "lat": lat,
        "lon": lon,
        "timezone": None if c.timezone is None else check_timezone(c.timezone),
        "address": None if c.address is None else check_address(c.address),
    }
    return {k: v for k, v in proposed.items() if v is not None}


def _update(state: LocationState | None, c: UpdateLocation, now: datetime,
            new_id: Callable[[], UUID], location_id: UUID) -> list[LocationEvent]:  # fmt: skip
    if state is None or state.organization_id != c.organization_id:
        raise LocationNotFoundError.of(location_id)
    proposed = _proposed(c)
    if not proposed:
        raise InvalidCommandError("set at least one field to update")
    changes = {k: v for k, v in proposed.items() if v != getattr(state, k)}
    if not changes:
        return []
    envelope = _envelope(state.location_id, state.organization_id, state.version + 1, now, new_id)
    return [LocationUpdated(**envelope, **changes)]


def decide_location(
    state: LocationState | None,
    command: LocationCommand,
    now: datetime,
    new_id: Callable[[], UUID],
    location_id: UUID,
) -> list[LocationEvent]:
    """The events `command` adds to the location stream `location_id` (state None: no
    such stream yet); [] when an update changes nothing."""
    if isinstance(command, OpenLocation):
        return _open(state, command, now, new_id)
    return _update(state, command, now, new_id, location_id)


def evolve_location(state: LocationState | None, event: StreamEvent) -> LocationState:
    """The state after one event of the location's stream."""
    match event:
        case LocationOpened() if state is None:
            return LocationState(
                location_id=event.location_id, organization_id=event.organization_id,
                version=event.version, name=event.name, lat=event.lat, lon=event.lon,
                timezone=event.timezone, address=event.address,
            )  # fmt: skip
        case LocationUpdated() if state is not None and event.version == state.version + 1:
            changed = event.model_dump(include=set(_FIELDS), exclude_none=True)
            return replace(state, **changed, version=event.version)
    raise CorruptStreamError(f"{type(event).__name__} v{event.version} does not follow {state}")


def fold_location(
    events: Iterable[StreamEvent], state: LocationState | None = None
) -> LocationState | None:
    """The state a location's events leave (None for no events)."""
    for event in events:
        state = evolve_location(state, event)
    return state


_FIELDS = ("name", "lat", "lon", "timezone", "address")
