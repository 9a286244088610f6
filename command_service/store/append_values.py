"""The parameters of one append: what `append_statement` writes for a decision.

From the decision (the events, the state before and after them) come the events' rows,
the state row without its calendar, and the side rows: registry, open holds, the
Idempotency-Key record, changed calendar blocks, pricing facts and demand.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from command_service.domain import STATE_SCHEMA, VehicleState
from command_service.domain.state import without_calendar
from command_service.store.calendar_rows import block_writes
from command_service.store.demand import DemandChanges, demand_changes, facts_params
from command_service.store.idempotency import StoredResponse
from command_service.store.registry import registry_changes
from command_service.store.state_codec import encode_state
from shared.contract.events import Event
from shared.contract.serialization import dumps, event_payload


def append_values(
    stream_id: UUID,
    before: VehicleState | None,
    events: list[Event],
    after: VehicleState,
    metadata: dict[str, Any],
    response: StoredResponse | None = None,
    demand: DemandChanges | None = None,
    base: VehicleState | None = None,
) -> dict[str, Any]:
    """The parameters of one append (`append_statement`): events, state and side rows
    (`demand` and `base`, the state without its calendar, when the caller has them)."""
    return {
        "stream": stream_id,
        "organization": after.organization_id,
        "metadata": dumps(metadata).decode(),
        "versions": [e.version for e in events],
        "event_ids": [e.event_id for e in events],
        "event_types": [type(e).__name__ for e in events],
        "schema_versions": [e.schema_version for e in events],
        "payloads": [dumps(event_payload(e)).decode() for e in events],
        "occurred_at": [e.occurred_at for e in events],
        "state_version": after.version,
        "state_schema": STATE_SCHEMA,
        "state": encode_state(without_calendar(after) if base is None else base),
        **registry_changes(before, events).params(),
        **(response.params() if response else {}),
        **block_writes(before, after).params(),
        **facts_params(events, after),
        **(demand if demand is not None else demand_changes(before, events)).params(),
    }
