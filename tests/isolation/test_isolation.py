"""Isolation between organizations, generated from both services' live OpenAPI documents.

Issue 14, "How it is shown": on a stack with three organizations, every operation that
takes an id is called with another organization's people against the first
organization's ids and answers exactly what an unknown id gets (404 for an id in the
path); every list, stream and analytics answer under one organization holds nothing of
the first. No operation is picked by hand: each comes from the documents
(tests/isolation/generator.py), and one the generator cannot call fails the test.
"""

from __future__ import annotations

import contextlib
import uuid
from functools import partial
from typing import Any

import httpx
import pytest

from tests.isolation.checks import (
    classes,
    id_differences,
    is_api,
    leaks,
    mentions,
)
from tests.isolation.conftest import World
from tests.isolation.generator import ALLOWED, build, slots
from tests.isolation.sse import Listener, listening, until_seen
from tests.openapi_ops import Operation
from tests.security.support import Person

SERVICES = ("command", "query")
SSE = "text/event-stream"
# What discovery must find at least: a guard against a generator that finds nothing.
KNOWN = {
    "command": {
        "PATCH /v1/vehicles/{vehicle_id}",
        "POST /v1/holds/{hold_id}/confirm",
        "POST /v1/bookings/{booking_id}/cancel",
        "POST /v1/trips/{trip_id}/end",
        "POST /v1/maintenance/{maintenance_id}/complete",
        "GET /v1/vehicles/{vehicle_id}/history",
        "POST /v1/holds",
        "POST /v1/bookings",
        "POST /v1/trips",
        "POST /v1/users/{user_id}/role",
        "POST /v1/organizations/{organization_id}/staff",
    },
    "query": {
        "GET /v1/vehicles/{vehicle_id}",
        "GET /v1/vehicles/{vehicle_id}/calendar",
        "GET /v1/bookings/{booking_id}",
        "GET /v1/trips/{trip_id}",
        "GET /v1/holds/{hold_id}",
        "GET /v1/maintenance/{maintenance_id}",
        "GET /v1/analytics/vehicles/{vehicle_id}/utilization",
        "GET /v1/pricing/policies/{policy_id}",
        "GET /v1/analytics/pricing/what-if",
    },
}
# The kinds of record each service's lists show to their organization.
SHOWN = {
    "command": {"vehicle", "booking", "hold", "trip", "maintenance"},  # the event feed
    "query": {"vehicle", "booking", "hold", "trip", "maintenance", "location", "pricing_policy"},
}
LISTED = {
    "command": {"GET /v1/events", "GET /v1/auth/me"},
    "query": {
        "GET /v1/vehicles",
        "GET /v1/bookings",
        "GET /v1/availability",
        "GET /v1/locations",
        "GET /v1/pricing/policies",
    },
}


@pytest.mark.parametrize("service", SERVICES)
def test_the_generator_can_call_every_operation_of_the_document(documents, service: str):
    found, cannot = classes(documents[service])
    assert not cannot, "operations the isolation test cannot call:\n" + "\n".join(cannot)
    names = {str(op) for op in found["names"]}
    assert KNOWN[service] <= names, KNOWN[service] - names
    assert LISTED[service] <= {str(op) for op in found["lists"]}
    stale = set(ALLOWED) - {str(op) for op in found["allowed"]}
    assert service == "query" or not stale, f"ALLOWED names operations that are gone: {stale}"


@pytest.mark.parametrize("service", SERVICES)
async def test_every_id_of_the_first_organization_answers_the_others_like_an_unknown_id(
    world: World, service: str
):
    differences, reached = await id_differences(world, service)
    assert not differences, "\n".join(differences)
    found, _ = classes(world.documents[service])
    by_path = {str(op) for op in found["names"] if any(s.where == "path" for s in slots(op))}
    assert by_path <= reached, f"no caller of B ever reached the 404 of {by_path - reached}"


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("org", ["b", "c"])
async def test_nothing_another_organization_lists_names_anything_of_the_first(
    world: World, service: str, org: str
):
    found, refused = await leaks(world, service, org)
    assert not found, "\n".join(found)
    assert not refused, "\n".join(refused)


def test_the_first_organizations_writes_change_nothing_the_others_read(world: World):
    before, after = world.before, world.after
    assert before and after.keys() == before.keys()
    changed = [
        f"{key}: {before[key][:2]} -> {value[:2]} {value[2][:300]}"
        for key, value in after.items()
        if before[key] != value
    ]
    assert not changed, "\n".join(changed)


@pytest.mark.parametrize("service", SERVICES)
async def test_the_first_organization_reads_its_own_records(world: World, service: str):
    """The checks above are not vacuous: each service's lists do show A's records to A."""
    a, seen, client = world.orgs["a"], set(), world.clients[service]
    lists, _ = classes(world.documents[service])
    for op in filter(is_api, lists["lists"]):
        for who in (a.admin, a.manager):
            resp = await client.request(**build(op, a.records).kwargs(), headers=who.auth)
            seen |= mentions(resp.text, a)
    missing = {kind: i for kind, i in a.records.items() if kind in SHOWN[service] and i not in seen}
    assert not missing, f"A's own lists on the {service} service never showed {missing}"


async def change_vehicle(world: World, org: str) -> str:
    """A's or B's manager changes a vehicle's plate; returns the vehicle id once projected."""
    who, vehicle = world.orgs[org].manager, world.orgs[org].records["vehicle"]
    command, query = world.clients["command"], world.clients["query"]
    body = {"plate": f"S-{uuid.uuid4().hex[:6].upper()}"}
    resp = await command.patch(f"/v1/vehicles/{vehicle}", json=body, headers=who.auth)
    assert resp.status_code == 200, resp.text
    token = {"X-Consistency-Token": resp.json()["consistency_token"], **who.auth}
    read = await query.get(f"/v1/vehicles/{vehicle}", headers=token)
    assert read.status_code == 200, read.text
    return vehicle


async def open_stream(
    stack: contextlib.AsyncExitStack,
    client: httpx.AsyncClient,
    op: Operation,
    who: Person,
    *tested: Any,
) -> Listener:
    """The stream as `who` (optionally with one filter slot set), open until `stack` ends."""
    call = build(op, {}, *tested)
    headers = {**who.auth, "Accept": SSE}
    return await stack.enter_async_context(listening(client, call.url, call.params, headers))


async def test_no_stream_of_another_organization_carries_anything_of_the_first(world: World):
    a, b = world.orgs["a"], world.orgs["b"]
    streams = [(s, op) for s in SERVICES for op in classes(world.documents[s])[0]["streams"]]
    assert streams, "the query service documents its change stream"
    for service, op in streams:
        async with contextlib.AsyncExitStack() as stack:
            opened = partial(open_stream, stack, world.clients[service], op)
            control = await opened(a.manager)
            others = {role: await opened(who) for role, who in b.callers.items()}
            filtered = {
                slot.name: (
                    await opened(b.manager, slot, a.records[slot.kind or ""]),
                    await opened(b.manager, slot, str(uuid.uuid4())),
                )
                for slot in slots(op)
            }
            theirs = await change_vehicle(world, "a")  # projected before B's change
            mine = await change_vehicle(world, "b")
            await until_seen(others["manager"], mine)
        assert control.saw(theirs), f"{op}: A's manager never saw A's own change"
        assert others["manager"].status == 200 and others["manager"].saw(mine), op
        for role, listener in others.items():
            assert listener.status in (200, 403), (op, role, listener.text)
            assert not mentions(listener.text, a), f"{op} as B's {role}: {listener.text}"
        for name, (on_a, on_unknown) in filtered.items():
            assert on_a.status == on_unknown.status, (op, name, on_a.text, on_unknown.text)
            assert "event: change" not in on_a.text and not mentions(on_a.text, a), on_a.text
