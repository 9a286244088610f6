"""Upcasters: stored events of an older schema read as the current schema.

Stored events are never rewritten; every reader parses through `upcast`
(serialization.event_from_wire), so an event appended by an older release means the same
to every consumer as one appended today.

Schema versions of the event data:
- 1: before organizations. The event belongs to `default`.
- 2: the data carries `organization_id`.
"""

from __future__ import annotations

from typing import Any

from shared.contract.organizations import DEFAULT_ORGANIZATION_ID

CURRENT_SCHEMA = 2
_DEFAULT = str(DEFAULT_ORGANIZATION_ID)


def upcast(data: dict[str, Any]) -> dict[str, Any]:
    """The event's fields in the current schema (a new dict when anything changed)."""
    if data.get("schema_version", 1) >= CURRENT_SCHEMA:
        return data
    return {"organization_id": _DEFAULT, **data, "schema_version": CURRENT_SCHEMA}


def is_current(raw: bytes | str) -> bool:
    """Cheap test on wire bytes: no upcasting needed (the common case, no JSON parse)."""
    marker = b'"organization_id"' if isinstance(raw, bytes) else '"organization_id"'
    return marker in raw  # type: ignore[operator]
