"""The vehicle aggregate: pure decide/evolve over frozen state, plus its calendar rules."""

from command_service.domain.calendar import active_blocks, prune
from command_service.domain.decide import decide
from command_service.domain.evolve import CorruptStreamError, evolve, fold
from command_service.domain.rules import normalize_plate, normalize_vin, plate_key
from command_service.domain.state import (
    STATE_SCHEMA,
    Booking,
    Hold,
    Maintenance,
    Trip,
    VehicleState,
    state_from_json,
    state_to_json,
)

__all__ = [
    "STATE_SCHEMA",
    "Booking",
    "CorruptStreamError",
    "Hold",
    "Maintenance",
    "Trip",
    "VehicleState",
    "active_blocks",
    "decide",
    "evolve",
    "fold",
    "normalize_plate",
    "normalize_vin",
    "plate_key",
    "prune",
    "state_from_json",
    "state_to_json",
]
