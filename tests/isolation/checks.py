"""The isolation checks, each over every operation of one service's OpenAPI document."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import httpx

from tests.isolation.generator import CannotCall, Call, Slot, build, classify, slots
from tests.openapi_ops import Operation

if TYPE_CHECKING:
    from tests.isolation.conftest import Organization, World
    from tests.security.support import Person

Answer = tuple[int, str, str]  # status, content type, body


async def answer(client: httpx.AsyncClient, call: Call, who: Person) -> Answer:
    resp = await client.request(**call.kwargs(), headers=who.auth)
    return resp.status_code, resp.headers.get("content-type", ""), resp.text


def classes(world: World, service: str) -> tuple[dict[str, list[Operation]], list[str]]:
    """The service's operations by class, and what the generator cannot call."""
    found: dict[str, list[Operation]] = {"names": [], "streams": [], "lists": [], "allowed": []}
    cannot = []
    for op in world.operations(service):
        try:
            found[classify(op)].append(op)
        except CannotCall as why:
            cannot.append(str(why))
    return found, cannot


def is_api(op: Operation) -> bool:
    """An operation that answers data (not liveness, readiness or metrics)."""
    return op.path.startswith("/v1/")


async def read_everything(world: World, names: tuple[str, ...]) -> dict[tuple[str, str, str], Answer]:
    """Every data listing of both services as every caller of the named organizations."""
    read = {}
    for service, client in world.clients.items():
        lists, _ = classes(world, service)
        for name in names:
            for role, who in world.orgs[name].callers.items():
                for op in filter(is_api, lists["lists"]):
                    read[(name, role, str(op))] = await answer(client, build(op, {}), who)
    return read


async def foreign_or_unknown(
    client: httpx.AsyncClient, op: Operation, slot: Slot, theirs: str, own: dict[str, str], who: Person
) -> tuple[Answer, Answer]:
    """The answers when `slot` names the first organization's record, and an unknown id;
    each with the id it named blanked out."""
    unknown = str(uuid.uuid4())
    answers = []
    for value in (theirs, unknown):
        status, kind, body = await answer(client, build(op, own, slot, value), who)
        answers.append((status, kind, body.replace(value, "<id>")))
    return answers[0], answers[1]


async def id_differences(world: World, service: str) -> tuple[list[str], set[str]]:
    """Every slot of every operation that names records, called by each of B's people
    with A's record and with an unknown id: why the answers differ (or, for a path id,
    are not 404 or the role's refusal), and which path operations reached a lookup."""
    a, b = world.orgs["a"], world.orgs["b"]
    client, found = world.clients[service], []
    reached: set[str] = set()
    ops, _ = classes(world, service)
    for op in ops["names"]:
        for slot in slots(op):
            for role, who in b.callers.items():
                theirs, unknown = await foreign_or_unknown(client, op, slot, a.records[slot.kind or ""], b.records, who)
                label = f"{op} {slot} as B's {role}"
                if theirs != unknown:
                    found.append(f"{label}: A's id {theirs[:2]} {theirs[2][:300]}\n   unknown id {unknown[:2]} {unknown[2][:300]}")
                elif slot.where == "path" and unknown[0] not in (403, 404):
                    found.append(f"{label}: {unknown[0]} {unknown[2][:300]} (want 404)")
                if slot.where == "path" and unknown[0] == 404:
                    reached.add(str(op))
    return found, reached  # fmt: skip


def mentions(text: str, org: Organization) -> set[str]:
    """The organization's ids that occur in `text`."""
    lowered = text.lower()
    return {i for i in org.every_id if i.lower() in lowered}


async def leaks(world: World, service: str, name: str) -> tuple[list[str], set[str]]:
    """Where a listing read by organization `name`'s people names any of A's ids, and
    which listings answered 200 to at least one of them."""
    a, org, client = world.orgs["a"], world.orgs[name], world.clients[service]
    found, answered = [], set()
    ops, _ = classes(world, service)
    for op in ops["lists"]:
        for role, who in org.callers.items():
            status, _, body = await answer(client, build(op, {}), who)
            if status == 200:
                answered.add(str(op))
            if seen := mentions(body, a):
                found.append(f"{op} as {name.upper()}'s {role}: {status} names A's {sorted(seen)}")
    return found, answered
