"""The one place that maps events and responses to wire bytes (orjson)."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from asyncpg.pgproto.pgproto import UUID as NativeUUID
from pydantic import AwareDatetime

from shared.contract.events import EVENT_TYPES, Event, StreamEvent, event_type
from shared.contract.upcasting import is_current, upcast

_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS


class UnknownEventTypeError(ValueError):
    """A stored or received event has a type this code does not know."""


def event_class(type_name: str) -> type[StreamEvent]:
    """The event class of a type name; UnknownEventTypeError for a type this code does
    not know."""
    cls = EVENT_TYPES.get(type_name)
    if cls is None:
        raise UnknownEventTypeError(type_name)
    return cls


def dumps(value: Any) -> bytes:
    """JSON bytes; UUIDs and datetimes as strings, UTC as `Z`."""
    return orjson.dumps(value, option=_OPTIONS, default=_default)


def loads(raw: bytes | str) -> Any:
    return orjson.loads(raw)


def _default(value: Any) -> Any:
    if isinstance(value, UUID):  # e.g. asyncpg's own UUID subclass
        return str(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    raise TypeError(f"cannot serialise {type(value).__name__}")


def event_payload(event: StreamEvent) -> dict[str, Any]:
    """The event's data fields (envelope fields and stream id excluded), JSON-safe."""
    return event.model_dump(mode="json", exclude=_NOT_DATA[event.STREAM_ID])


def event_to_wire(event: StreamEvent) -> tuple[str, bytes]:
    """(type, bytes of the whole event) as published and stored."""
    return event_type(event), dumps(event.model_dump(mode="json"))


def event_from_wire(type_name: str, raw: bytes | str | dict[str, Any]) -> StreamEvent:
    """Parse an event of a known type from bytes or an already decoded dict, of any
    stored schema (older ones are upcast)."""
    cls = event_class(type_name)
    if isinstance(raw, dict):
        return cls.model_validate(_native(cls, upcast(raw)))
    if is_current(raw):
        return cls.model_validate_json(raw)
    return cls.model_validate(_native(cls, upcast(orjson.loads(raw))))


def _native(cls: type[StreamEvent], data: dict[str, Any]) -> dict[str, Any]:
    """A copy of `data` with its ids as asyncpg's UUID and its times parsed by `datetime`
    (on `datetime.UTC` for the feed's `Z`), which pydantic keeps as they are: asyncpg
    encodes such a UUID by copying its 16 bytes and hashes it once, where the standard
    library's goes through Python for both; and pydantic's own UTC `tzinfo` calls back
    into Python on every subtraction and conversion. A rebuild hashes and encodes these
    values several times per event (docs/benchmarks.md, "Events parsed to native
    values"). A value that does not parse here is left to pydantic, whose error names
    the field."""
    data = dict(data)
    ids, times = _typed_fields(cls)
    for name in ids:
        value = data.get(name)
        if type(value) is str:
            try:  # noqa: SIM105 (contextlib.suppress costs a call on every field)
                data[name] = NativeUUID(value)
            except ValueError:
                pass
    for name in times:
        value = data.get(name)
        if type(value) is str:
            try:
                moment = datetime.fromisoformat(value)  # `Z`, `+00:00`: datetime.UTC
            except ValueError:
                continue
            if moment.tzinfo is not None:
                data[name] = moment
    return data


@functools.cache
def _typed_fields(cls: type[StreamEvent]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The names of the event's id fields and of its time fields."""
    fields = cls.model_fields.items()
    ids = tuple(n for n, f in fields if f.annotation in (UUID, UUID | None))
    times = tuple(n for n, f in fields if f.annotation in (AwareDatetime, AwareDatetime | None))
    return ids, times


def event_from_stored(
    type_name: str, data: dict[str, Any], stream_id: Any, **envelope: Any
) -> StreamEvent:
    """An event from its stored data and envelope columns (event_id, version,
    occurred_at, schema_version), the stream id under its kind's field name."""
    cls = event_class(type_name)
    return event_from_wire(type_name, {**data, **envelope, cls.STREAM_ID: stream_id})


def vehicle_event(event: StreamEvent) -> Event:
    """`event`, which the caller read from a vehicle stream, typed as such."""
    if not isinstance(event, Event):
        raise UnknownEventTypeError(f"{type(event).__name__} is not a vehicle event")
    return event


_ENVELOPE = {"event_id", "version", "occurred_at", "schema_version"}
# Per stream id field: what the stored `data` leaves out (stored in columns instead).
_NOT_DATA = {cls.STREAM_ID: _ENVELOPE | {cls.STREAM_ID} for cls in EVENT_TYPES.values()}
