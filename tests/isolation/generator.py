"""How the isolation test calls an operation it only knows from an OpenAPI document.

Every operation falls in one class, decided from the document alone:

* `names`: it names records by id (a path parameter, a query filter or a body field
  ending in `_id`/`_ids`); each such slot is called with the first organization's id and
  with an unknown id, every other slot holding the caller's own records;
* `streams`: a GET answering `text/event-stream` (read for a bounded time);
* `lists`: any other GET without an id in its path (lists, availability, analytics, the
  event feed, me, health), read without filters;
* `allowed`: a write that names no record, each listed in ALLOWED with its reason.

Anything else (a path parameter that is no id, an id of a kind no organization holds, a
required query parameter or body field it cannot fill) is a `CannotCall`, which fails the
test: a new endpoint is either covered or a conscious entry in ALLOWED.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from tests.openapi_ops import Operation, resolve

# The record kind an id slot names, by its name.
KINDS = {
    "vehicle_id": "vehicle", "vehicle_ids": "vehicle", "booking_id": "booking",
    "hold_id": "hold", "trip_id": "trip", "maintenance_id": "maintenance",
    "customer_id": "customer", "user_id": "customer", "organization_id": "organization",
    "location_id": "location", "location_ids": "location", "policy_id": "pricing_policy",
    "quote_id": "quote",
    "payment_id": "payment",
}  # fmt: skip
# Writes that name no record of anyone, so there is no other organization's id to try.
ALLOWED = {
    "POST /v1/auth/register": "signs up by e-mail (at an organization named by public slug)",
    "POST /v1/auth/token": "signs in by e-mail and password",
    "POST /v1/auth/token/form": "signs in by e-mail and password (OAuth2 form)",
    "POST /v1/auth/refresh": "names only the caller's own refresh token",
    "POST /v1/auth/logout": "names only the caller's own refresh token",
    "POST /v1/auth/signing-keys/rotate": "the installation's signing key, no one's record",
    "POST /v1/organizations": "creates a new organization (platform_admin only)",
    "POST /v1/locations": "creates a location in the caller's own organization",
}


PLACEHOLDER = "00000000-0000-4000-8000-00000000abcd"


class CannotCall(Exception):
    """The generator does not know how to call this operation."""


@dataclass(frozen=True)
class Slot:
    """A place in a request that names a record: path, query or body (a key path)."""

    where: str
    key: tuple[str, ...]
    kind: str | None
    many: bool = False

    @property
    def name(self) -> str:
        return ".".join(self.key)

    def __str__(self) -> str:
        return f"{self.where} {self.name}"


@dataclass(frozen=True)
class Call:
    """One request: httpx.request keyword arguments, minus the headers."""

    method: str
    url: str
    params: dict[str, str]
    json: Any

    def kwargs(self) -> dict[str, Any]:
        return {"method": self.method, "url": self.url, "params": self.params, "json": self.json}


def is_id(name: str) -> bool:
    return name.endswith(("_id", "_ids"))


def _subschema(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with its `$ref` followed and an optional (`anyOf` with null) unwrapped."""
    schema = resolve(doc, schema)
    options = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
    return resolve(doc, options[0]) if options else schema


def _body_slots(doc: dict[str, Any], schema: dict[str, Any], key: tuple[str, ...]) -> list[Slot]:
    found = []
    for name, prop in schema.get("properties", {}).items():
        prop = _subschema(doc, prop)
        if is_id(name):
            found.append(Slot("body", (*key, name), KINDS.get(name), name.endswith("_ids")))
        elif prop.get("type") == "object" and len(key) < 2:
            found += _body_slots(doc, prop, (*key, name))
    return found


def slots(op: Operation) -> list[Slot]:
    """Every slot of the operation that names (or, unknown, might name) a record."""
    found = []
    for param in op.spec.get("parameters", []):
        name, where = param["name"], param["in"]
        if where == "path":
            found.append(Slot("path", (name,), KINDS.get(name) if is_id(name) else None))
        elif where == "query" and is_id(name):
            found.append(Slot("query", (name,), KINDS.get(name), name.endswith("_ids")))
    if op.body_schema is not None:
        found += _body_slots(op.doc, op.body_schema, ())
    return found


def is_stream(op: Operation) -> bool:
    content = op.spec.get("responses", {}).get("200", {}).get("content", {})
    return op.method == "get" and "text/event-stream" in content


def classify(op: Operation) -> set[str]:
    """The classes of the operation (a GET with id filters both names and lists);
    CannotCall when none fits."""
    found = slots(op)
    unknown = [str(s) for s in found if s.kind is None]
    if unknown:
        raise CannotCall(f"{op}: no organization holds a record for {unknown}")
    if is_stream(op):  # its id filters are tried by the stream test, for a bounded time
        return {"streams"}
    classes = {"names"} if found else set()
    if op.method == "get" and not any(s.where == "path" for s in found):
        classes.add("lists")
    if not classes and str(op) in ALLOWED:
        classes.add("allowed")
    if not classes:
        raise CannotCall(f"{op}: a write that names no record and is not in ALLOWED")
    if classes != {"allowed"}:
        for slot in [None, *found]:  # every request the checks will make can be built
            build(op, dict.fromkeys(KINDS.values(), PLACEHOLDER), slot, PLACEHOLDER)
    return classes


def _day(days: int, hour: int = 0) -> str:
    today = datetime.now(UTC).date()
    return datetime.combine(today + timedelta(days=days), time(hour), UTC).isoformat()


# Fixed values of window parameters, so that answers can be compared over time: `from`
# and `to` span every record of the test, `start`/`end` are a bookable future window
# in which none of them lies (availability then lists every vehicle that exists).
WINDOW = {"from": _day(-1), "to": _day(30), "start": _day(20, 9), "end": _day(20, 12)}
# The window of each organization's quote: a request naming a quote is for its window
# (on the caller's own vehicle, which the quote is for), else it could only be refused.
QUOTED = {"start": _day(21, 9), "end": _day(21, 12)}


def _value(doc: dict[str, Any], name: str, schema: dict[str, Any], where: str) -> Any:
    """A valid value for a required parameter or body field, else CannotCall (an id
    field gets a placeholder: `build` puts the caller's own record there)."""
    if is_id(name):
        return ""
    if name in WINDOW:
        return WINDOW[name]
    schema = _subschema(doc, schema)
    for key in ("default", "example"):
        if key in schema:
            return schema[key]
    if schema.get("examples"):
        return schema["examples"][0]
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "string" and schema.get("format") == "email":
        return f"isolation-{uuid.uuid4().hex[:12]}@example.com"
    if kind == "string" and "format" not in schema:
        return "isolation test " + "x" * max(0, schema.get("minLength", 0) - 15)
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    if kind == "boolean":
        return False
    if kind == "object":
        return {k: _value(doc, k, v, where) for k, v in _required(schema).items()}
    raise CannotCall(f"no value for the {where} field {name}: {schema}")


def _required(schema: dict[str, Any]) -> dict[str, Any]:
    props = schema.get("properties", {})
    return {name: props[name] for name in schema.get("required", [])}


def body_of(op: Operation) -> Any:
    """The operation's own request example, else a body of its required fields."""
    schema = op.body_schema
    if schema is None:
        return None
    example = op.example_body()
    if example is not None:
        return example
    return {k: _value(op.doc, k, v, "body") for k, v in _required(schema).items()}


def _query(op: Operation, tested: Mapping[str, str], own: Mapping[str, str]) -> dict[str, str]:
    """Query parameters: the tested one, every window parameter, the other required ones."""
    params = {}
    for param in op.spec.get("parameters", []):
        name = param["name"]
        if param["in"] != "query":
            continue
        if name in tested:
            params[name] = tested[name]
        elif name in WINDOW:
            params[name] = WINDOW[name]
        elif param.get("required") and KINDS.get(name):
            # an organization with no record of the kind (C) names an id that exists nowhere
            params[name] = own.get(KINDS[name], PLACEHOLDER)
        elif param.get("required"):
            params[name] = str(_value(op.doc, name, param.get("schema", {}), "query"))
    return params


def _put(body: dict[str, Any], slot: Slot, value: str) -> None:
    target = body
    for part in slot.key[:-1]:
        target = target.setdefault(part, {})
    target[slot.key[-1]] = [value] if slot.many else value


def build(
    op: Operation, own: Mapping[str, str], tested: Slot | None = None, value: str = ""
) -> Call:
    """The request: `tested` holds `value`; every other slot the caller's own record
    (optional body and query slots stay out unless tested)."""
    url = op.path
    for slot in slots(op):
        if slot.where == "path" and slot.kind is not None:
            chosen = value if slot == tested else own[slot.kind]
            url = url.replace("{" + slot.name + "}", chosen)
    queried = {tested.name: value} if tested is not None and tested.where == "query" else {}
    body = copy.deepcopy(body_of(op))
    if isinstance(body, dict):
        for slot in slots(op):
            if slot.where == "body" and slot.kind is not None and _present(body, slot):
                _put(body, slot, own[slot.kind])
        if tested is not None and tested.where == "body":
            _put(body, tested, value)
        if tested is not None and tested.kind == "quote":
            body.update(QUOTED)
    return Call(op.method.upper(), url, _query(op, queried, own), body)


def _present(body: dict[str, Any], slot: Slot) -> bool:
    target: Any = body
    for part in slot.key:
        if not isinstance(target, dict) or part not in target:
            return False
        target = target[part]
    return True
