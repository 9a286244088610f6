"""The command side's catalogue of pricing policies: where quotes and bookings find the
policy of a vehicle (the current version of each) and the version a quote cited.

`pricing_policies` holds each policy's current version, upserted by `CATALOGUE` in the
transaction of the append that made it current (command_service/store/streams.py), so
it never disagrees with the events. Any older version is read from the events.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from command_service.store.event_store import stored_event_of
from command_service.store.streams import HeadTable
from shared.contract.events import PricingPolicyEvent, StreamEvent, types_of
from shared.contract.serialization import dumps, event_payload
from shared.pricing.priced import PolicyVersion
from shared.pricing.terms import PricingTerms

KIND = "pricing_policy"

# Guarded by version: a row never goes back to an older version. The organization's
# catalogue generation moves with it (migrations/0015_pricing_generations.sql).
_UPSERT = """
WITH generation AS (
    INSERT INTO pricing_generations AS g (organization_id, generation) VALUES ($2, 1)
    ON CONFLICT (organization_id) DO UPDATE SET generation = g.generation + 1
)
INSERT INTO pricing_policies AS p (policy_id, organization_id, version, priority, terms)
VALUES ($1, $2, $3, $4, $5::jsonb)
ON CONFLICT (policy_id) DO UPDATE
    SET version = EXCLUDED.version, priority = EXCLUDED.priority, terms = EXCLUDED.terms
    WHERE p.version < EXCLUDED.version
"""
_CURRENT = (
    "SELECT policy_id, organization_id, version, terms FROM pricing_policies"
    " WHERE organization_id = $1 ORDER BY priority DESC, policy_id"
)
_VERSION = (
    "SELECT version, event_id, event_type, schema_version, data, occurred_at FROM events"
    " WHERE stream_id = $1 AND version = $2 AND organization_id = $3"
    " AND event_type = ANY($4::text[])"
)


def _row(event: StreamEvent) -> tuple[Any, ...]:
    """The catalogue row of the version `event` carries."""
    assert isinstance(event, PricingPolicyEvent)
    terms = dumps(event_payload(event)["terms"]).decode()
    return event.policy_id, event.organization_id, event.version, event.terms.priority, terms


CATALOGUE = HeadTable(upsert=_UPSERT, row=_row)


async def current_policies(
    db: asyncpg.Pool | asyncpg.Connection, organization_id: UUID
) -> list[PolicyVersion]:
    """The current version of every policy of the organization (highest priority first)."""
    rows = await db.fetch(_CURRENT, organization_id)
    return [
        PolicyVersion(
            policy_id=row["policy_id"],
            version=row["version"],
            organization_id=row["organization_id"],
            terms=PricingTerms.model_validate(row["terms"]),
        )
        for row in rows
    ]


async def policy_version(
    db: asyncpg.Pool | asyncpg.Connection, policy_id: UUID, version: int, organization_id: UUID
) -> PolicyVersion | None:
    """Any version of one of the organization's policies, from its event; None when the
    policy or the version is unknown, or the policy is another organization's."""
    row = await db.fetchrow(_VERSION, policy_id, version, organization_id, types_of(KIND))
    if row is None:
        return None
    event = stored_event_of(policy_id, row)
    assert isinstance(event, PricingPolicyEvent)
    return PolicyVersion(policy_id, event.version, event.organization_id, event.terms)
