"""Events parsed from decoded JSON (the feed, a stored row, an older schema's bytes) carry
their ids as asyncpg's UUID and their times on `datetime.UTC` (serialization._native):
the same event, with values a rebuild encodes and hashes cheaply. Input that does not
parse still fails in pydantic, naming the field."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import orjson
import pytest
from asyncpg.pgproto.pgproto import UUID as NativeUUID
from pydantic import ValidationError

from shared.contract.events import StreamEvent, event_type
from shared.contract.serialization import dumps, event_from_wire
from tests.unit.contract_samples import SAMPLES
from tests.unit.test_upcasting import STORED_BY_RELEASE_1


def _decoded(event: StreamEvent) -> dict[str, Any]:
    decoded: dict[str, Any] = orjson.loads(dumps(event.model_dump(mode="json")))
    return decoded


@pytest.mark.parametrize("event", SAMPLES, ids=lambda event: type(event).__name__)
def test_an_event_parsed_from_decoded_json_is_the_same_event_with_native_values(
    event: StreamEvent,
) -> None:
    data = _decoded(event)
    parsed = event_from_wire(event_type(event), data)

    assert parsed == event
    wire = dumps(event.model_dump(mode="json"))
    assert dumps(parsed.model_dump(mode="json")) == wire  # written back byte for byte
    assert data == _decoded(event)  # the caller's dict is left as it was
    for name in type(event).model_fields:
        value = getattr(parsed, name)
        if isinstance(value, UUID):
            assert type(value) is NativeUUID, name
        if isinstance(value, datetime):
            assert value.tzinfo is UTC, name


def test_an_event_of_an_older_schema_gets_native_values_too() -> None:
    for raw in (STORED_BY_RELEASE_1, orjson.dumps(STORED_BY_RELEASE_1)):
        event = event_from_wire("HoldReleased", raw)
        assert type(event.hold_id) is NativeUUID
        assert type(event.organization_id) is NativeUUID  # the upcast's default
        assert event.occurred_at.tzinfo is UTC


def test_an_offset_other_than_utc_keeps_its_instant() -> None:
    event = SAMPLES[0]
    data = {**_decoded(event), "occurred_at": "2026-03-01T10:00:00+02:00"}
    parsed = event_from_wire(event_type(event), data)
    assert parsed.occurred_at == datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("event_id", "not-a-uuid"),
        ("event_id", "0" * 31),
        ("occurred_at", "2026-03-01T10:00:00"),  # no zone
        ("occurred_at", "yesterday"),
    ],
)
def test_a_value_that_does_not_parse_fails_in_pydantic_naming_the_field(
    field: str, value: str
) -> None:
    event = SAMPLES[0]
    with pytest.raises(ValidationError) as failed:
        event_from_wire(event_type(event), {**_decoded(event), field: value})
    assert [error["loc"] for error in failed.value.errors()] == [(field,)]
