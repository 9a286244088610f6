"""The Kafka contract of DESIGN §4: how an event becomes a record and back.

Topic `fleet.vehicle-events`, key = the stream's id (vehicle_id, location_id), value =
the event's JSON (all fields of the shared model, envelope included), CloudEvents 1.0
binary-mode headers (type `fleetledger.<stream kind>.<event>`, subject the stream's id,
the extension attribute `ce_organization`, the organization id) plus `stream_version`,
`global_position` and a W3C `traceparent`. Every kind of stream shares the topic: a
stream's events keep their order on its key's partition.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from shared.contract.events import STREAM_KINDS, StreamEvent, event_type
from shared.contract.serialization import dumps, event_from_wire

TOPIC = "fleet.vehicle-events"
CE_SOURCE = "/fleetledger/command-service"
TYPE_PREFIX = "fleetledger."  # then the stream kind, a dot and the event's name
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


def ce_type(stream: str, name: str) -> str:
    """The CloudEvents type of an event: `fleetledger.vehicle.BookingConfirmed`."""
    return f"{TYPE_PREFIX}{stream}.{name}"


@dataclass(frozen=True)
class Envelope:
    """What the headers carry of an event (the value carries it too)."""

    stream: str  # the kind of stream
    name: str  # the event's type
    stream_id: UUID
    event_id: UUID
    organization_id: UUID
    occurred_at: datetime
    version: int


def to_record(event: StreamEvent, global_position: int, correlation_id: str) -> Record:
    """The record the relay publishes for an event."""
    envelope = Envelope(
        event.STREAM, event_type(event), event.stream_id, event.event_id,
        event.organization_id, event.occurred_at, event.version,
    )  # fmt: skip
    return record_of(envelope, event.model_dump(mode="json"), global_position, correlation_id)


def record_of(
    envelope: Envelope, fields: dict[str, Any], global_position: int, correlation_id: str
) -> Record:
    """The record of an event given as every field of its model (envelope included, in
    the current schema), e.g. straight from a stored row: no model to build and dump."""
    subject = str(envelope.stream_id).encode()
    headers: Headers = [
        ("ce_specversion", b"1.0"),
        ("ce_id", str(envelope.event_id).encode()),
        ("ce_type", ce_type(envelope.stream, envelope.name).encode()),
        ("ce_source", CE_SOURCE.encode()),
        ("ce_subject", subject),
        ("ce_organization", str(envelope.organization_id).encode()),
        ("ce_time", envelope.occurred_at.isoformat().replace("+00:00", "Z").encode()),
        ("content-type", CONTENT_TYPE.encode()),
        ("stream_version", str(envelope.version).encode()),
        ("global_position", str(global_position).encode()),
        ("traceparent", traceparent(correlation_id, envelope.event_id).encode()),
    ]
    return Record(subject, dumps(fields), headers)


def from_record(value: bytes, headers: Headers) -> tuple[StreamEvent, int]:
    """(event, global_position) of a consumed record; ContractError if malformed."""
    found = dict(headers)
    try:
        type_header = found["ce_type"].decode()
        position = int(found["global_position"])
    except (KeyError, ValueError, UnicodeDecodeError) as exc:
        raise ContractError(f"missing or bad header: {exc}") from exc
    stream, _, name = type_header.removeprefix(TYPE_PREFIX).rpartition(".")
    if not type_header.startswith(TYPE_PREFIX) or stream not in STREAM_KINDS:
        raise ContractError(f"unknown ce_type {type_header!r}")
    try:
        event = event_from_wire(name, value)
    except ValueError as exc:
        raise ContractError(str(exc)) from exc
    if stream != event.STREAM:
        raise ContractError(f"ce_type {type_header!r} names another kind of stream")
    return event, position


def header_names() -> list[str]:
    """Every header the relay sets, in order (documented in the AsyncAPI file)."""
    return [name for name, _ in to_record(_SAMPLE, 1, "c").headers]


def _sample() -> StreamEvent:
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
