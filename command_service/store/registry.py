"""Cross-stream side tables derived from the events of one append (DESIGN §2).

VIN/plate uniqueness, the id → vehicle index and the open-holds list are written in the
same statement as the events, so they can never disagree with the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from command_service.domain import VehicleState, plate_key
from shared.contract import events as ev


@dataclass
class RegistryChanges:
    """Rows to add and remove next to an append."""

    vins_add: list[str] = field(default_factory=list)
    plates_remove: list[str] = field(default_factory=list)
    plates_add: list[str] = field(default_factory=list)
    entity_ids: list[UUID] = field(default_factory=list)
    entity_kinds: list[str] = field(default_factory=list)
    holds_add: list[UUID] = field(default_factory=list)
    holds_add_expiry: list[datetime] = field(default_factory=list)
    holds_remove: list[UUID] = field(default_factory=list)

    def index(self, entity_id: UUID, kind: str) -> None:
        self.entity_ids.append(entity_id)
        self.entity_kinds.append(kind)

    def params(self) -> dict[str, list[Any]]:
        """The registry parts' parameters of the append statement (`append_statement`)."""
        return {
            "vins": self.vins_add,
            "plates_out": self.plates_remove,
            "plates_in": self.plates_add,
            "entity_ids": self.entity_ids,
            "entity_kinds": self.entity_kinds,
            "holds_in": self.holds_add,
            "holds_in_expiry": self.holds_add_expiry,
            "holds_out": self.holds_remove,
        }


def registry_changes(before: VehicleState | None, events: list[ev.Event]) -> RegistryChanges:
    """What the side tables must gain and lose when `events` are appended after `before`."""
    changes = RegistryChanges()
    current_plate = plate_key(before.plate) if before is not None else None
    for event in events:
        match event:
            case ev.VehicleRegistered():
                changes.vins_add.append(event.vin)
                current_plate = plate_key(event.plate)
                changes.plates_add.append(current_plate)
            case ev.VehicleDetailsUpdated(plate=str() as plate) if (
                plate_key(plate) != current_plate
            ):
                if current_plate is not None:
                    changes.plates_remove.append(current_plate)
                current_plate = plate_key(plate)
                changes.plates_add.append(current_plate)
            case ev.VehicleRetired() if current_plate is not None:
                changes.plates_remove.append(current_plate)  # the plate can go to another car
            case ev.HoldPlaced():
                changes.index(event.hold_id, "hold")
                changes.holds_add.append(event.hold_id)
                changes.holds_add_expiry.append(event.expires_at)
            case ev.HoldConfirmed() | ev.HoldReleased() | ev.HoldExpired():
                changes.holds_remove.append(event.hold_id)
            case ev.BookingConfirmed():
                changes.index(event.booking_id, "booking")
            case ev.TripStarted():
                changes.index(event.trip_id, "trip")
            case ev.MaintenanceScheduled():
                changes.index(event.maintenance_id, "maintenance")
    return changes
