"""The relay publishes a stored row without building its event: the record is the very
record `to_record` makes of the event, for every event type and for old schemas."""

from __future__ import annotations

import json
from typing import Any

import pytest

from command_service.store.feed import stored_record
from shared.contract.events import StreamEvent, event_type
from shared.contract.kafka_record import Record, to_record
from shared.contract.organizations import DEFAULT_ORGANIZATION_ID
from shared.contract.serialization import UnknownEventTypeError, event_from_wire, event_payload
from tests.unit.contract_samples import SAMPLES


def stored_row(event: StreamEvent, position: int, data: dict[str, Any] | None = None) -> dict:
    """The columns the relay reads for `event`, as the event store keeps them."""
    return {
        "global_position": position,
        "stream_id": event.stream_id,
        "version": event.version,
        "event_id": event.event_id,
        "event_type": event_type(event),
        "schema_version": event.schema_version,
        "data": event_payload(event) if data is None else data,
        "metadata": {"correlation_id": "req-9"},
        "occurred_at": event.occurred_at,
    }


def same_record(made: Record, expected: Record) -> None:
    assert made.key == expected.key
    assert made.headers == expected.headers
    assert json.loads(made.value) == json.loads(expected.value)


@pytest.mark.parametrize("event", SAMPLES, ids=lambda event: type(event).__name__)
def test_a_stored_row_becomes_the_record_of_its_event(event: StreamEvent) -> None:
    same_record(stored_record(stored_row(event, 42)), to_record(event, 42, "req-9"))


def test_a_row_stored_before_organizations_is_published_as_defaults() -> None:
    event = next(e for e in SAMPLES if event_type(e) == "BookingConfirmed")
    old = {k: v for k, v in event_payload(event).items() if k != "organization_id"}
    row = {**stored_row(event, 7, old), "schema_version": 1}
    envelope = {"event_id": event.event_id, "version": event.version,
                "occurred_at": event.occurred_at, "vehicle_id": event.stream_id}  # fmt: skip
    upcast = event_from_wire("BookingConfirmed", {**old, **envelope, "schema_version": 1})
    assert upcast.organization_id == DEFAULT_ORGANIZATION_ID
    same_record(stored_record(row), to_record(upcast, 7, "req-9"))


def test_an_unknown_stored_type_is_refused() -> None:
    row = {**stored_row(SAMPLES[0], 1), "event_type": "VehicleTeleported"}
    with pytest.raises(UnknownEventTypeError):
        stored_record(row)
