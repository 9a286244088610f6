"""Locations as a kind of stream, and the check that a location is the caller's."""

from __future__ import annotations

from uuid import UUID

from command_service.application.streams import StreamKind
from command_service.domain.errors import LocationNotFoundError
from command_service.domain.locations import (
    LocationCommand,
    LocationState,
    decide_location,
    fold_location,
)
from command_service.store.streams import StreamStore
from shared.contract.events import LocationEvent

LOCATIONS: StreamKind[LocationState, LocationCommand, LocationEvent] = StreamKind(
    name="location",
    fold=fold_location,
    decide=decide_location,
    not_found=LocationNotFoundError,
)


async def ensure_location(store: StreamStore, location_id: UUID, organization_id: UUID) -> None:
    """Raise LocationNotFoundError unless `location_id` is a location of the organization
    (another organization's reads exactly as an unknown id). Locations are never closed,
    so a check that passed stays true for the write that follows it."""
    if await store.organization_of(LOCATIONS.name, location_id) != organization_id:
        raise LocationNotFoundError.of(location_id)
