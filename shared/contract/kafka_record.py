"""The Kafka contract of DESIGN §4: how an event becomes a record and back.

Topic `fleet.vehicle-events`, key = vehicle_id, value = the event's JSON (all fields of
the shared model, envelope included), CloudEvents 1.0 binary-mode headers (with the
extension attribute `ce_organization`, the organization id) plus
`stream_version`, `global_position` and a W3C `traceparent`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from uuid import UUID

from shared.contract.events import Event
from shared.contract.serialization import event_from_wire, event_to_wire

TOPIC = "fleet.vehicle-events"
CE_SOURCE = "/fleetledger/command-service"
TYPE_PREFIX = "fleetledger.vehicle."
CONTENT_TYPE = "application/json"

Headers = list[tuple[str, bytes]]


@dataclass(frozen=True)
class Record:
    """A record as produced to the topic."""

    key: bytes
    value: bytes
    headers: Headers


class ContractError(ValueError):
    """A record on the topic does not follow the contract."""


def traceparent(correlation_id: str, event_id: UUID) -> str:
    """A W3C traceparent: the trace is the correlation id, the span is the event."""
    if correlation_id.startswith("00-") and len(correlation_id) == 55:
        trace_id = correlation_id[3:35]
    else:
        trace_id = hashlib.sha256(correlation_id.encode()).hexdigest()[:32]
    return f"00-{trace_id}-{event_id.hex[:16]}-01"


def to_record(event: Event, global_position: int, correlation_id: str) -> Record:
    """The record the relay publishes for a stored event."""
    name, value = event_to_wire(event)
    headers: Headers = [
        ("ce_specversion", b"1.0"),
        ("ce_id", str(event.event_id).encode()),
        ("ce_type", (TYPE_PREFIX + name).encode()),
        ("ce_source", CE_SOURCE.encode()),
        ("ce_subject", str(event.vehicle_id).encode()),
        ("ce_organization", str(event.organization_id).encode()),
        ("ce_time", event.occurred_at.isoformat().replace("+00:00", "Z").encode()),
        ("content-type", CONTENT_TYPE.encode()),
        ("stream_version", str(event.version).encode()),
        ("global_position", str(global_position).encode()),
        ("traceparent", traceparent(correlation_id, event.event_id).encode()),
    ]
    return Record(str(event.vehicle_id).encode(), value, headers)


def from_record(value: bytes, headers: Headers) -> tuple[Event, int]:
    """(event, global_position) of a consumed record; ContractError if malformed."""
    found = dict(headers)
    try:
        ce_type = found["ce_type"].decode()
        position = int(found["global_position"])
    except (KeyError, ValueError, UnicodeDecodeError) as exc:
        raise ContractError(f"missing or bad header: {exc}") from exc
    if not ce_type.startswith(TYPE_PREFIX):
        raise ContractError(f"unknown ce_type {ce_type!r}")
    try:
        event = event_from_wire(ce_type.removeprefix(TYPE_PREFIX), value)
    except ValueError as exc:
        raise ContractError(str(exc)) from exc
    return event, position


def header_names() -> list[str]:
    """Every header the relay sets, in order (documented in the AsyncAPI file)."""
    return [name for name, _ in to_record(_SAMPLE, 1, "c").headers]


def _sample() -> Event:
    from datetime import UTC, datetime

    from shared.contract.events import HoldReleased

    return HoldReleased(
        event_id=UUID(int=1),
        vehicle_id=UUID(int=2),
        version=1,
        occurred_at=datetime(2030, 1, 1, tzinfo=UTC),
        organization_id=UUID(int=4),
        hold_id=UUID(int=3),
    )


_SAMPLE = _sample()
