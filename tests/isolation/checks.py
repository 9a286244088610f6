"""The isolation checks, each over every operation of one service's OpenAPI document."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import httpx

from tests.isolation.generator import Call, CannotCall, Slot, build, classify, slots
from tests.openapi_ops import Operation, operations

if TYPE_CHECKING:
    from tests.isolation.conftest import Organization, World
    from tests.security.support import Person

Answer = tuple[int, str, str]  # status, content type, body


async def answer(client: httpx.AsyncClient, call: Call, who: Person) -> Answer:
    resp = await client.request(**call.kwargs(), headers=who.auth)
    return resp.status_code, resp.headers.get("content-type", ""), resp.text


def classes(doc: dict[str, Any]) -> tuple[dict[str, list[Operation]], list[str]]:
    """A document's operations by class, and what the generator cannot call."""
    found: dict[str, list[Operation]] = {"names": [], "streams": [], "lists": [], "allowed": []}
    cannot = []
    for op in operations(doc):
        try:
            for name in classify(op):
                found[name].append(op)
        except CannotCall as why:
            cannot.append(str(why))
    return found, cannot


def is_api(op: Operation) -> bool:
    """An operation that answers data (not liveness, readiness or metrics)."""
    return op.path.startswith("/v1/")


async def read_everything(world: World, names: tuple[str, ...]) -> dict[tuple[str, ...], Answer]:
    """Every data listing of both services as every caller of the named organizations."""
    read = {}
    for service, client in world.clients.items():
        lists, _ = classes(world.documents[service])
        for name in names:
            for role, who in world.orgs[name].callers.items():
                for op in filter(is_api, lists["lists"]):
                    call = build(op, world.orgs[name].records)
                    read[(service, name, role, str(op))] = await answer(client, call, who)
    return read


async def foreign_or_unknown(
    client: httpx.AsyncClient,
    op: Operation,
    slot: Slot,
    theirs: str,
    own: dict[str, str],
    who: Person,
) -> tuple[Answer, Answer]:
    """The answers when `slot` names the first organization's record, and an unknown id;
    each with the id it named blanked out."""
    unknown = str(uuid.uuid4())
    answers = []
    for value in (theirs, unknown):
        status, kind, body = await answer(client, build(op, own, slot, value), who)
        answers.append((status, kind, body.replace(value, "<id>")))
    return answers[0], answers[1]


async def control(
    client: httpx.AsyncClient, op: Operation, slot: Slot, own: dict[str, str], who: Person
) -> str | None:
    """Why the request is not valid when the slot holds the caller's own record (then
    equal answers for A's and an unknown id would prove nothing), or None."""
    status, _, body = await answer(client, build(op, own, slot, own[slot.kind or ""]), who)
    if status in (400, 404, 422):
        return f"{op} {slot}: the caller's own record answers {status} {body[:300]}"
    return None


def judged(label: str, slot: Slot, theirs: Answer, unknown: Answer) -> str | None:
    """Why A's record answered differently from an unknown id, or a path id not 404."""
    if theirs != unknown:
        mine, other = f"{theirs[0]} {theirs[2][:300]}", f"{unknown[0]} {unknown[2][:300]}"
        return f"{label}:\n  A's id  {mine}\n  unknown {other}"
    if slot.where == "path" and unknown[0] not in (403, 404):  # 403: the role may not at all
        return f"{label}: {unknown[0]} {unknown[2][:300]} (want 404)"
    return None


async def id_differences(world: World, service: str) -> tuple[list[str], set[str]]:
    """Every slot of every operation that names records, called by each of B's people
    with A's record and with an unknown id: what answered differently (or, for a path
    id, not 404; for another slot, was no valid request even with B's own record), and
    which operations with a path id reached a lookup (404)."""
    a, b = world.orgs["a"], world.orgs["b"]
    client, found, reached = world.clients[service], [], set()
    for op in classes(world.documents[service])[0]["names"]:
        for slot in slots(op):
            for role, who in b.callers.items():
                theirs = a.records[slot.kind or ""]
                answers = await foreign_or_unknown(client, op, slot, theirs, b.records, who)
                if why := judged(f"{op} {slot} as B's {role}", slot, *answers):
                    found.append(why)
                if slot.where == "path" and answers[1][0] == 404:
                    reached.add(str(op))
                elif slot.where != "path" and (
                    why := await control(client, op, slot, b.records, who)
                ):
                    found.append(f"{why} (as B's {role})")
    return found, reached


def mentions(text: str, org: Organization) -> set[str]:
    """The organization's ids that occur in `text`."""
    lowered = text.lower()
    return {i for i in org.every_id if i.lower() in lowered}


def _needs(op: Operation) -> set[str | None]:
    """The kinds of record every call of the operation names: path ids, required query ids."""
    required = {p["name"] for p in op.spec.get("parameters", []) if p.get("required")}
    return {s.kind for s in slots(op) if s.where == "path" or s.name in required}


def reads(doc: dict[str, Any], own: dict[str, str]) -> list[Operation]:
    """Every listing, and every GET of one of the caller's own records (its vehicle's
    calendar and history, its organization, a what-if of its policy, ...), that `own`
    holds the records for."""
    found = classes(doc)[0]
    mine = [op for op in found["names"] if op.method == "get" and _needs(op) <= set(own)]
    lists = [op for op in found["lists"] if _needs(op) <= set(own)]
    return lists + [op for op in mine if op not in lists]


async def leaks(world: World, service: str, name: str) -> tuple[list[str], list[str]]:
    """Where a read by organization `name`'s people of its lists or of its own records
    names any of A's ids, and which answers were neither data (200) nor the role's
    refusal (403): a read the generator did not make right would prove nothing."""
    a, org, client = world.orgs["a"], world.orgs[name], world.clients[service]
    found, refused = [], []
    for op in reads(world.documents[service], org.records):
        for role, who in org.callers.items():
            status, _, body = await answer(client, build(op, org.records), who)
            label = f"{op} as {name.upper()}'s {role}: {status}"
            if status not in (200, 403) and is_api(op):
                refused.append(f"{label} {body[:300]}")
            if seen := mentions(body, a):
                found.append(f"{label} names A's {sorted(seen)}")
    return found, refused
