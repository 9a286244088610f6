"""Events stored before organizations existed read as `default`'s, without a rewrite."""

from __future__ import annotations

from uuid import UUID

import orjson

from shared.contract.events import HoldReleased
from shared.contract.kafka_record import from_record, to_record
from shared.contract.organizations import DEFAULT_ORGANIZATION_ID
from shared.contract.serialization import event_from_wire, event_to_wire
from shared.contract.upcasting import CURRENT_SCHEMA

OTHER_ORGANIZATION = UUID("0a000000-0000-4000-8000-00000000000b")
STORED_BY_RELEASE_1 = {  # the exact shape the first release stored and published
    "event_id": "00000000-0000-4000-8000-000000000001",
    "vehicle_id": "00000000-0000-4000-8000-000000000002",
    "version": 4,
    "occurred_at": "2030-01-01T00:00:00Z",
    "schema_version": 1,
    "hold_id": "00000000-0000-4000-8000-000000000003",
}


def test_an_event_of_schema_1_belongs_to_the_default_organization() -> None:
    for raw in (STORED_BY_RELEASE_1, orjson.dumps(STORED_BY_RELEASE_1)):
        event = event_from_wire("HoldReleased", raw)
        assert event.organization_id == DEFAULT_ORGANIZATION_ID
        assert event.schema_version == CURRENT_SCHEMA


def test_an_event_of_the_current_schema_keeps_its_organization() -> None:
    event = HoldReleased.model_validate(
        {**STORED_BY_RELEASE_1, "schema_version": 2, "organization_id": str(OTHER_ORGANIZATION)}
    )
    _, raw = event_to_wire(event)
    assert event_from_wire("HoldReleased", raw) == event
    assert event_from_wire("HoldReleased", orjson.loads(raw)) == event


def test_the_record_names_the_organization_in_a_header() -> None:
    event = event_from_wire("HoldReleased", STORED_BY_RELEASE_1)
    record = to_record(event, 9, "corr")
    assert dict(record.headers)["ce_organization"] == str(DEFAULT_ORGANIZATION_ID).encode()
    assert from_record(record.value, record.headers) == (event, 9)
