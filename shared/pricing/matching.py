"""Which pricing policy prices a vehicle: every criterion a policy gives must match, and
among the matching policies the highest priority wins (ties: the smaller policy id)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from shared.pricing.priced import PolicyVersion
from shared.pricing.terms import AppliesTo


@dataclass(frozen=True)
class VehicleFacts:
    """What a policy may match a vehicle on."""

    vehicle_id: UUID
    make: str | None
    model: str | None
    location_id: UUID | None


def _same_name(wanted: str | None, actual: str | None) -> bool:
    """Names compare trimmed and case-insensitively; no criterion matches anything."""
    if wanted is None:
        return True
    return actual is not None and wanted.strip().casefold() == actual.strip().casefold()


def applies(applies_to: AppliesTo, facts: VehicleFacts) -> bool:
    """Whether every criterion the policy gives matches the vehicle."""
    if applies_to.vehicle_ids is not None and facts.vehicle_id not in applies_to.vehicle_ids:
        return False
    if applies_to.location_id is not None and applies_to.location_id != facts.location_id:
        return False
    return _same_name(applies_to.make, facts.make) and _same_name(applies_to.model, facts.model)


def winning(policies: Iterable[PolicyVersion], facts: VehicleFacts) -> PolicyVersion | None:
    """The matching policy with the highest priority; ties go to the smaller policy_id."""
    matching = [p for p in policies if applies(p.terms.applies_to, facts)]
    return min(matching, key=lambda p: (-p.terms.priority, p.policy_id), default=None)
