"""Pricing policies as a kind of stream (its head kept in the pricing catalogue), and the
check that the records a policy names are the caller's organization's."""

from __future__ import annotations

from uuid import UUID

from command_service.application.locations import ensure_location
from command_service.application.streams import StreamKind
from command_service.domain.errors import PolicyNotFoundError, VehicleNotFoundError
from command_service.domain.pricing_policies import PolicyCommand, decide_policy, fold_policy
from command_service.store.event_store import Db, vehicles_of
from command_service.store.pricing_catalogue import CATALOGUE, KIND
from command_service.store.streams import StreamStore
from shared.contract.events import PricingPolicyEvent
from shared.pricing.priced import PolicyVersion
from shared.pricing.terms import AppliesTo

POLICIES: StreamKind[PolicyVersion, PolicyCommand, PricingPolicyEvent] = StreamKind(
    name=KIND,
    fold=fold_policy,
    decide=decide_policy,
    not_found=PolicyNotFoundError,
    head=CATALOGUE,
)


async def ensure_references(
    streams: StreamStore, db: Db, applies_to: AppliesTo, organization_id: UUID
) -> None:
    """Raise the not-found error of the first kind of record `applies_to` names that is
    not the organization's (another organization's reads exactly as an unknown id):
    LocationNotFoundError, then VehicleNotFoundError naming every such vehicle."""
    if applies_to.location_id is not None:
        await ensure_location(streams, applies_to.location_id, organization_id)
    named = list(dict.fromkeys(applies_to.vehicle_ids or ()))
    if not named:
        return
    found = await vehicles_of(db, organization_id, named)
    missing = [str(vehicle_id) for vehicle_id in named if vehicle_id not in found]
    if missing:
        raise VehicleNotFoundError(f"no vehicle with id {', '.join(missing)}")
