"""The checked-in Kafka contract (docs/contract) matches the code and real records."""

import json
import re
from datetime import datetime
from typing import Any
from uuid import UUID

import pytest

from shared.contract.events import EVENT_TYPES, LocationUpdated, PricingPolicyRevised, StreamEvent
from shared.contract.kafka_record import ce_type, header_names, to_record
from tests.unit.contract_samples import BRANCH, POLICY, SAMPLES, VEHICLE
from tools import contract_docs

ROOT = contract_docs.DOCS_DIR


_JSON_TYPES: dict[str, Any] = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "object": dict,
    "boolean": bool,
    "null": type(None),
    "array": list,
}


def problems(value: Any, schema: dict[str, Any], root: dict[str, Any], at: str) -> list[str]:
    """Structural mismatches of value against the subset of JSON Schema pydantic emits."""
    if "$ref" in schema:
        return problems(value, root["$defs"][schema["$ref"].split("/")[-1]], root, at)
    if "anyOf" in schema:
        options = [problems(value, option, root, at) for option in schema["anyOf"]]
        return [] if [] in options else [f"{at}: matches no anyOf branch"]
    expected = _JSON_TYPES.get(schema.get("type", ""), object)
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        return [f"{at}: {value!r} is not {schema.get('type')}"]
    found: list[str] = []
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{at}: {value!r} not in {schema['enum']}")
    if "const" in schema and value != schema["const"]:
        found.append(f"{at}: {value!r} != {schema['const']!r}")
    if "pattern" in schema and not re.search(schema["pattern"], value):
        found.append(f"{at}: {value!r} does not match {schema['pattern']}")
    if schema.get("format") == "uuid":
        UUID(value)
    if schema.get("format") == "date-time":
        datetime.fromisoformat(value)
    return found + (_object_problems(value, schema, root, at) if expected is dict else [])


def _object_problems(
    value: dict[str, Any], schema: dict[str, Any], root: dict[str, Any], at: str
) -> list[str]:
    """Required, unexpected and per-property mismatches of an object."""
    properties = schema.get("properties", {})
    found = [f"{at}: missing {name}" for name in schema.get("required", []) if name not in value]
    if schema.get("additionalProperties") is False:
        found += [f"{at}: unexpected {name}" for name in value if name not in properties]
    for name, item in value.items():
        if name in properties:
            found += problems(item, properties[name], root, f"{at}.{name}")
    return found


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    """The checked-in AsyncAPI document."""
    loaded: dict[str, Any] = json.loads((ROOT / contract_docs.ASYNCAPI_FILE).read_text())
    return loaded


def schema_of(name: str) -> dict[str, Any]:
    """The checked-in JSON Schema of an event type."""
    loaded: dict[str, Any] = json.loads((ROOT / "schemas" / f"{name}.json").read_text())
    return loaded


def test_checked_in_files_equal_a_fresh_generation() -> None:
    files = contract_docs.generate()
    for path, text in files.items():
        assert (ROOT / path).read_bytes() == text.encode(), f"{path} is stale"
        assert text.endswith("\n") and not text.endswith("\n\n"), path
    assert contract_docs.stale(ROOT, files) == []
    assert contract_docs.main(["--check"]) == 0


def test_generation_is_deterministic() -> None:
    assert contract_docs.generate() == contract_docs.generate()


def test_check_reports_stale_missing_and_orphaned_files(tmp_path: Any, capsys: Any) -> None:
    assert contract_docs.main(["--root", str(tmp_path)]) == 0
    assert contract_docs.main(["--check", "--root", str(tmp_path)]) == 0
    (tmp_path / "schemas" / "HoldPlaced.json").write_text("{}\n")
    (tmp_path / "README.md").unlink()
    (tmp_path / "schemas" / "Gone.json").write_text("{}\n")
    assert contract_docs.main(["--check", "--root", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "schemas/HoldPlaced.json" in err and "README.md" in err
    assert "schemas/Gone.json" in err and "python -m tools.contract_docs" in err
    assert contract_docs.main(["--root", str(tmp_path)]) == 0
    assert not (tmp_path / "schemas" / "Gone.json").exists()
    assert contract_docs.main(["--check", "--root", str(tmp_path)]) == 0


def test_every_event_type_has_a_schema_and_a_message(document: dict[str, Any]) -> None:
    channel = document["channels"]["vehicleEvents"]
    operation_refs = [
        ref["$ref"] for ref in document["operations"]["receiveVehicleEvents"]["messages"]
    ]
    assert sorted(p.stem for p in (ROOT / "schemas").glob("*.json")) == sorted(EVENT_TYPES)
    assert list(document["components"]["messages"]) == list(EVENT_TYPES)
    assert list(channel["messages"]) == list(EVENT_TYPES)
    assert operation_refs == [f"#/channels/vehicleEvents/messages/{n}" for n in EVENT_TYPES]
    for name, cls in EVENT_TYPES.items():
        schema, msg = schema_of(name), document["components"]["messages"][name]
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["title"] == name and schema["description"] == msg["summary"] != ""
        assert cls.__doc__ and cls.__doc__.startswith(schema["description"])
        assert msg["name"] == name and msg["contentType"] == "application/json"
        assert msg["payload"] == {"$ref": f"./schemas/{name}.json"}
        assert msg["bindings"]["kafka"]["key"]["format"] == "uuid"


def test_document_shape(document: dict[str, Any]) -> None:
    assert document["asyncapi"] == "3.0.0"
    assert document["channels"]["vehicleEvents"]["address"] == "fleet.vehicle-events"
    assert document["servers"]["local"] == document["servers"]["local"] | {
        "host": "127.0.0.1:19092",
        "protocol": "kafka",
    }
    assert document["operations"]["receiveVehicleEvents"]["action"] == "receive"
    for phrase in (
        "At-least-once",
        "(vehicle_id, stream_version)",
        "/v1/events",
        "/v1/vehicles/{id}/history",
        "/v1/locations/{id}/history",
        "location_id",
    ):
        assert phrase in document["info"]["description"]


def test_samples_cover_every_event_type() -> None:
    assert sorted(type(event).__name__ for event in SAMPLES) == sorted(EVENT_TYPES)


@pytest.mark.parametrize("event", SAMPLES, ids=lambda event: type(event).__name__)
def test_schema_accepts_the_serialized_event(event: StreamEvent) -> None:
    name = type(event).__name__
    schema = schema_of(name)
    value = json.loads(to_record(event, 7, "req-1").value)
    assert set(schema["required"]) <= set(value) <= set(schema["properties"])
    assert problems(value, schema, schema, name) == []
    assert problems({**value, "bogus": 1}, schema, schema, name) == [f"{name}: unexpected bogus"]
    assert problems({**value, "version": "7"}, schema, schema, name) == [
        f"{name}.version: '7' is not integer"
    ]


def test_document_headers_equal_the_relay_headers(document: dict[str, Any]) -> None:
    headers = document["components"]["schemas"][contract_docs.HEADERS_COMPONENT]
    assert list(headers["properties"]) == header_names()
    assert headers["required"] == header_names()
    assert all(spec["description"] for spec in headers["properties"].values())
    for msg in document["components"]["messages"].values():
        assert msg["headers"] == {"$ref": "#/components/schemas/RecordHeaders"}


@pytest.mark.parametrize("event", SAMPLES, ids=lambda event: type(event).__name__)
def test_header_schema_accepts_real_record_headers(
    document: dict[str, Any], event: StreamEvent
) -> None:
    headers = document["components"]["schemas"][contract_docs.HEADERS_COMPONENT]
    record = to_record(event, 7, "req-1")
    values = {name: raw.decode() for name, raw in record.headers}
    assert problems(values, headers, headers, "headers") == []
    assert values["ce_type"] == ce_type(event.STREAM, type(event).__name__)
    assert record.key.decode() == values["ce_subject"] == str(event.stream_id)


def test_vehicle_records_keep_their_type_and_key_and_location_records_name_their_kind() -> None:
    vehicle = to_record(SAMPLES[0], 7, "req-1")
    location = to_record(next(e for e in SAMPLES if isinstance(e, LocationUpdated)), 8, "req-1")
    assert dict(vehicle.headers)["ce_type"] == b"fleetledger.vehicle.VehicleRegistered"
    assert vehicle.key == str(VEHICLE).encode()
    assert dict(location.headers)["ce_type"] == b"fleetledger.location.LocationUpdated"
    assert location.key == dict(location.headers)["ce_subject"] == str(BRANCH).encode()
    assert json.loads(location.value)["location_id"] == str(BRANCH)
    assert "vehicle_id" not in json.loads(location.value)


def test_pricing_policy_records_are_keyed_by_the_policy_and_carry_the_whole_terms() -> None:
    revised = to_record(next(e for e in SAMPLES if isinstance(e, PricingPolicyRevised)), 9, "r")
    assert dict(revised.headers)["ce_type"] == b"fleetledger.pricing_policy.PricingPolicyRevised"
    assert revised.key == str(POLICY).encode()
    assert json.loads(revised.value)["terms"]["deposit_cents"] == 30_000
