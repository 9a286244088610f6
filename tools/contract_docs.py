"""Generate docs/contract (DESIGN §4: AsyncAPI + JSON Schemas) from the events and Kafka code.

`python -m tools.contract_docs` (re)writes the files; `--check` exits 1 when they are stale.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from shared.contract.events import EVENT_TYPES, STREAM_KINDS, HoldPlaced, StreamEvent
from shared.contract.kafka_record import (
    CE_SOURCE,
    CONTENT_TYPE,
    TOPIC,
    TYPE_PREFIX,
    ce_type,
    header_names,
    to_record,
)
from shared.contract.organizations import DEFAULT_ORGANIZATION_ID

Json = dict[str, Any]

DOCS_DIR = Path(__file__).resolve().parent.parent / "docs" / "contract"
ASYNCAPI_FILE = "asyncapi.json"
README_FILE = "README.md"
SCHEMAS_DIR = "schemas"
CONTRACT_VERSION = "1.0.0"  # bump when a schema or header changes incompatibly
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID_PREFIX = "urn:fleetledger:contract:schema:"
KAFKA_BINDING_VERSION = "0.5.0"
HEADERS_COMPONENT = "RecordHeaders"
REGENERATE = "python -m tools.contract_docs"

_UUID = {"format": "uuid"}
_BOOTSTRAP = {"description": "Bootstrap host:port.", "default": "kafka.example.invalid:9092"}
_COUNTER = {"pattern": "^[1-9][0-9]*$"}
_TRACE = {"pattern": "^00-[0-9a-f]{32}-[0-9a-f]{16}-01$"}
# Header name -> (description, extra string constraints). Every name of header_names()
# must be here: a new header fails generation until it is documented.
_HEADERS: dict[str, tuple[str, Json]] = {
    "ce_specversion": ("CloudEvents spec version (binary content mode).", {"const": "1.0"}),
    "ce_id": ("CloudEvents id: the `event_id` of the payload; identical on redelivery.", _UUID),
    "ce_type": (
        f"`{TYPE_PREFIX}<stream>.<EventName>`, the stream kind being "
        f"{' or '.join(f'`{k}`' for k in STREAM_KINDS)}; `<EventName>` selects the payload "
        "schema.",
        {"pattern": f"^{re.escape(TYPE_PREFIX)}({'|'.join(STREAM_KINDS)})\\.[A-Za-z]+$"},
    ),
    "ce_source": ("The producer: the relay of the command service.", {"const": CE_SOURCE}),
    "ce_subject": (
        "The id of the event's stream, also the record key: the `vehicle_id` of a vehicle "
        "event, the `location_id` of a location event.",
        _UUID,
    ),
    "ce_organization": (
        "CloudEvents extension attribute: the `organization_id` of the payload. Events "
        "stored before organizations existed carry the `default` organization's id.",
        _UUID,
    ),
    "ce_time": ("The `occurred_at` of the payload, RFC 3339 UTC.", {"format": "date-time"}),
    "content-type": ("Media type of the record value.", {"const": CONTENT_TYPE}),
    "stream_version": (
        "The `version` of the payload (1, 2, ... per stream); dedupe on (key, stream_version).",
        _COUNTER,
    ),
    "global_position": (
        "Position of the event in the command service's log: the cursor of "
        "`GET /v1/events?after=`. Unique, but not always ascending in publication order.",
        _COUNTER,
    ),
    "traceparent": ("W3C trace context of the command that caused the event.", _TRACE),
}

_GUARANTEES = f"""\
- **At-least-once.** The relay commits its checkpoint only after the broker acknowledged, so
  a record can be delivered more than once (same `ce_id`, same payload).
- **Several kinds of stream, one topic.** Vehicles and locations (branches) are event
  streams of their own; `ce_type` names the kind (`{TYPE_PREFIX}vehicle.<EventName>`,
  `{TYPE_PREFIX}location.<EventName>`). A vehicle event carries `vehicle_id`, a location
  event `location_id`; both carry `organization_id`. Skip the kinds you do not project.
- **Per-stream order.** The record key is the stream's id (`vehicle_id`, `location_id`),
  so all events of a stream go to one partition in ascending `stream_version`. There is
  no order across streams.
- **Deduplicate by (vehicle_id, stream_version)**, or (location_id, stream_version): the
  record key and `stream_version`. Remember the last version applied per stream: skip a
  record at or below it; apply the next one (last + 1).
- **Heal gaps from the command service.** A record above last + 1 means earlier events were
  missed (e.g. after an offset reset or expired retention): hold it back and fetch the
  missing events from the command service with
  `GET /v1/vehicles/{{id}}/history?after_version=<last>` (a location's:
  `GET /v1/locations/{{id}}/history`; paged by `next_cursor`), or catch up globally with
  `GET /v1/events?after=<global_position>` (paged by `next_after`). Their items carry the
  envelope fields and the stream's id at the top level, `type` = `<EventName>` and the
  event's own fields in `data`.
- **The topic is a window of the log, not the log.** With the embedded broker (memory
  storage, no retention of its own) the relay keeps at least the last
  `FLEET_KAFKA_RETAIN_EVENTS` events (2,500 by default) on the topic and at most
  `FLEET_KAFKA_MAX_EVENTS` (10,000) plus one batch: when the topic is full, or after a
  broker restart emptied it, the relay deletes and re-creates it and republishes the
  last `FLEET_KAFKA_RETAIN_EVENTS` events from the event store (same `ce_id`, same
  payload and headers), then carries on with new events. Offsets restart at 0 and
  committed offsets are gone. The broker answers no `OffsetOutOfRange`: when your
  position in any partition is past that partition's high watermark, seek every
  partition to the beginning and deduplicate; older history comes from the command
  service as above. On a Kafka cluster (`FLEET_KAFKA_MAX_EVENTS=0`) the topic's own
  retention applies and the relay never deletes it to bound its size.
- Headers follow CloudEvents 1.0 binary mode; the value is the event JSON (topic
  `{TOPIC}`, `ce_type` = `{TYPE_PREFIX}<stream>.<EventName>`)."""


_README = """\
# Kafka contract of the Fleetledger events (vehicle and location streams)

Generated by `{regenerate}` from `shared/contract/events.py` and
`shared/contract/kafka_record.py`; do not edit by hand. `{regenerate} --check` (also run by
`tests/unit/test_contract_docs.py`) exits 1 when these files are stale.

- `{asyncapi}`: AsyncAPI 3.0.0 document: servers, channel `vehicleEvents`
  (topic `{topic}`), one message per event type with its headers and Kafka key,
  and the `receive` operation for consumers.
- `{schemas}/<EventName>.json`: JSON Schema (draft 2020-12) of each event's value,
  generated from the pydantic model. The schemas are exact for the current producer
  (`additionalProperties: false`); the `schema_version` field versions the shape.

## Guarantees

{guarantees}

## Example record

{example}"""


def event_schema(name: str, cls: type[StreamEvent]) -> Json:
    """The JSON Schema (draft 2020-12) of one event type, from its pydantic model."""
    generated = cls.model_json_schema()
    head: Json = {
        "$schema": SCHEMA_DIALECT,
        "$id": SCHEMA_ID_PREFIX + name,
        "title": name,
        "description": _doc(cls),
    }
    return head | {k: v for k, v in generated.items() if k not in head}


def headers_schema() -> Json:
    """The schema of the record headers, in the order the relay sets them."""
    names = header_names()
    properties = {
        name: {"type": "string", "description": _HEADERS[name][0], **_HEADERS[name][1]}
        for name in names
    }
    return {
        "type": "object",
        "description": "Kafka record headers; every value is a UTF-8 string.",
        "required": names,
        "properties": properties,
    }


def message(name: str, cls: type[StreamEvent]) -> Json:
    """The AsyncAPI message of one event type."""
    key = {"type": "string", "format": "uuid", "description": f"The {cls.STREAM_ID} of the event."}
    return {
        "name": name,
        "title": re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name),
        "summary": _doc(cls),
        "description": f"`ce_type` = `{ce_type(cls.STREAM, name)}`; `ce_subject` = the "
        f"`{cls.STREAM_ID}`.",
        "contentType": CONTENT_TYPE,
        "headers": {"$ref": f"#/components/schemas/{HEADERS_COMPONENT}"},
        "payload": {"$ref": f"./{SCHEMAS_DIR}/{name}.json"},
        "bindings": {"kafka": {"key": key, "bindingVersion": KAFKA_BINDING_VERSION}},
    }


def asyncapi() -> Json:
    """The AsyncAPI 3.0.0 document of the event topic (every kind of stream)."""
    return {
        "asyncapi": "3.0.0",
        "info": _info(),
        "defaultContentType": CONTENT_TYPE,
        "servers": _servers(),
        "channels": {"vehicleEvents": _channel()},
        "operations": {"receiveVehicleEvents": _receive()},
        "components": {
            "messages": {name: message(name, cls) for name, cls in EVENT_TYPES.items()},
            "schemas": {HEADERS_COMPONENT: headers_schema()},
        },
    }


def _info() -> Json:
    """Title, version and the delivery guarantees."""
    return {
        "title": "Fleetledger events",
        "version": CONTRACT_VERSION,
        "description": "Every committed event of every stream (vehicles, locations), "
        "published by the command service's relay.\n\n" + _GUARANTEES,
    }


def _servers() -> Json:
    """The embedded local broker and a production placeholder."""
    return {
        "local": {
            "host": "127.0.0.1:19092",
            "protocol": "kafka",
            "description": "Embedded broker of the local stack (`FLEET_KAFKA_BOOTSTRAP`).",
        },
        "production": {
            "host": "{bootstrap}",
            "protocol": "kafka",
            "description": "Production cluster (placeholder until deployment names it).",
            "variables": {"bootstrap": _BOOTSTRAP},
        },
    }


def _channel() -> Json:
    """The topic with one message per event type."""
    return {
        "address": TOPIC,
        "title": "Fleetledger events",
        "description": "Key = the stream's id (vehicle_id or location_id, UUID string), "
        "value = event JSON, CloudEvents headers.",
        "messages": {name: {"$ref": f"#/components/messages/{name}"} for name in EVENT_TYPES},
    }


def _receive() -> Json:
    """The consumer side: what a downstream service does with the topic."""
    return {
        "action": "receive",
        "channel": {"$ref": "#/channels/vehicleEvents"},
        "title": "Consume the events",
        "summary": "Project vehicle and location events; use your own consumer group.",
        "description": "Pick the payload schema by `ce_type`; deduplicate by "
        "(record key, stream_version); heal gaps from the command service's history.",
        "messages": [{"$ref": f"#/channels/vehicleEvents/messages/{name}"} for name in EVENT_TYPES],
    }


def _doc(cls: type) -> str:
    """The first paragraph of a class docstring, on one line."""
    return " ".join((cls.__doc__ or "").strip().split("\n\n")[0].split())


def example_event() -> HoldPlaced:
    """The fixed event shown as the example record."""
    at = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)
    return HoldPlaced(
        event_id=UUID("0b6f3c1e-5d2a-4c8e-9f10-2a3b4c5d6e7f"),
        vehicle_id=UUID("7e1c1e00-0000-4000-8000-000000000001"),
        version=3,
        occurred_at=at,
        organization_id=DEFAULT_ORGANIZATION_ID,
        hold_id=UUID("401d0000-0000-4000-8000-000000000002"),
        customer_id=UUID("c0570000-0000-4000-8000-000000000003"),
        start=at.replace(day=5, hour=9),
        end=at.replace(day=5, hour=17),
        expires_at=at.replace(minute=15),
        price_cents=8_000,
        currency="EUR",
    )


def example_record() -> str:
    """The example record (key, headers, value) as Markdown."""
    record = to_record(example_event(), 42, "req-7f3a")
    headers = "\n".join(f"{name}: {value.decode()}" for name, value in record.headers)
    value = json.dumps(json.loads(record.value), indent=2)
    return (
        f"Key: `{record.key.decode()}`\n\nHeaders:\n\n```\n{headers}\n```\n\n"
        f"Value (indented here, compact on the wire):\n\n```json\n{value}\n```\n"
    )


def readme() -> str:
    """The README of docs/contract."""
    return _README.format(
        regenerate=REGENERATE,
        asyncapi=ASYNCAPI_FILE,
        topic=TOPIC,
        schemas=SCHEMAS_DIR,
        guarantees=_GUARANTEES,
        example=example_record(),
    )


def render(document: Json) -> str:
    """Stable JSON text: key order as built, two-space indent, trailing newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def generate() -> dict[str, str]:
    """Every generated file: path relative to docs/contract -> content."""
    files = {
        f"{SCHEMAS_DIR}/{name}.json": render(event_schema(name, cls))
        for name, cls in EVENT_TYPES.items()
    }
    files[ASYNCAPI_FILE] = render(asyncapi())
    files[README_FILE] = readme()
    return files


def stale(root: Path, files: dict[str, str]) -> list[str]:
    """Files under root that are missing, different, or orphaned schemas."""
    present = sorted(p.relative_to(root).as_posix() for p in root.glob(f"{SCHEMAS_DIR}/*.json"))
    wrong = [path for path, text in files.items() if _read(root / path) != text.encode()]
    return wrong + [path for path in present if path not in files]


def _read(path: Path) -> bytes | None:
    """The bytes of a file, None if it does not exist."""
    return path.read_bytes() if path.is_file() else None


def write(root: Path, files: dict[str, str]) -> None:
    """Write the files under root and remove schemas of event types that no longer exist."""
    (root / SCHEMAS_DIR).mkdir(parents=True, exist_ok=True)
    for path in stale(root, files):
        target = root / path
        if path in files:
            target.write_bytes(files[path].encode())
        else:
            target.unlink()


def main(argv: Sequence[str] | None = None) -> int:
    """Write docs/contract, or with --check report whether it is up to date."""
    parser = argparse.ArgumentParser(prog="python -m tools.contract_docs", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if the files are stale")
    parser.add_argument("--root", type=Path, default=DOCS_DIR, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    files = generate()
    if not args.check:
        write(args.root, files)
        return 0
    outdated = stale(args.root, files)
    for path in outdated:
        sys.stderr.write(f"stale: {args.root / path}\n")
    if outdated:
        sys.stderr.write(f"docs/contract is out of date; run `{REGENERATE}`\n")
    return 1 if outdated else 0


if __name__ == "__main__":
    sys.exit(main())
