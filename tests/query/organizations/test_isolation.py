"""Two organizations on one read side, isolated in two walls.

Every GET operation of the query service's OpenAPI document is called (so a new endpoint
is covered without editing this file): one organization's answers hold no id of the
other's, and the other's ids answer exactly like ids that exist nowhere. These run twice:
with both walls, and with the queries' own filters alone (reads as the tables' owner, whom
row-level security does not restrict), so neither wall hides a hole in the other.
Row-level security on its own: test_row_security.py.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator
from typing import Any
from uuid import UUID

from command_service.domain import commands as cmd
from query_service.console.session import ACCESS_COOKIE
from shared.contract.serialization import loads
from tests.conftest import Issuer
from tests.query.conftest import Fleet, ReadSide, iso
from tests.query.organizations.conftest import Org, token_of
from tests.query.test_stream import STREAM_WITHIN_S, fields_of, next_message, serving

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_ID_PARAMS = (
    "vehicle_id", "booking_id", "hold_id", "trip_id", "maintenance_id", "location_id",
    "policy_id", "payment_id",
)  # fmt: skip


def _get_operations(read: ReadSide) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every authenticated GET of the OpenAPI document but the SSE stream (tested below)."""
    for path, item in read.app.openapi()["paths"].items():
        operation = item.get("get")
        if operation is not None and "security" in operation and path != "/v1/stream":
            yield path, operation


def _fill(path: str, ids: dict[str, UUID]) -> str:
    names = re.findall(r"{(\w+)}", path)
    assert set(names) <= set(_ID_PARAMS), f"{path}: give this test an id for {names}"
    return path.format(**{name: ids[name] for name in names})


def _required(operation: dict[str, Any], fleet: Fleet, ids: dict[str, UUID]) -> dict[str, str]:
    """Values of the required query parameters (availability's window, the what-if's
    policy version and window)."""
    values = {"start": iso(fleet.at(days=10)), "end": iso(fleet.at(days=10, hours=1)),
              "from": iso(fleet.at(days=-1)), "to": iso(fleet.at(days=200)),
              "policy_id": str(ids["policy_id"]), "version": "2"}  # fmt: skip
    wanted = [p["name"] for p in operation.get("parameters", [])
              if p["in"] == "query" and p.get("required")]  # fmt: skip
    assert set(wanted) <= set(values), f"give this test a value for {wanted}"
    return {name: values[name] for name in wanted}


async def test_no_answer_of_one_organization_names_anything_of_the_other(
    orgs: tuple[Org, Org, ReadSide],
) -> None:
    a, b, read = orgs
    theirs = {str(i) for i in b.ids.values()}
    seen_of_a: set[str] = set()
    for path, operation in _get_operations(read):
        body = await a.ok(_fill(path, a.ids), **_required(operation, read.fleet, a.ids))
        named = set(_UUID.findall(str(body)))
        assert not named & theirs, (path, named & theirs)
        seen_of_a |= named
    assert {str(i) for i in a.ids.values()} <= seen_of_a  # the answers did list A's data


async def test_another_organizations_ids_answer_exactly_like_unknown_ones(
    orgs: tuple[Org, Org, ReadSide], issuer: Issuer
) -> None:
    a, b, read = orgs
    unknown = {name: uuid.uuid4() for name in _ID_PARAMS}
    customer = await token_of(issuer, "customer", a.organization_id)
    for token in (a.token, customer):
        headers = {"Authorization": f"Bearer {token}"}
        for path, operation in _get_operations(read):
            if "{" not in path:
                continue
            params = _required(operation, read.fleet, a.ids)
            foreign = await a.http.get(_fill(path, b.ids), params=params, headers=headers)
            nowhere = await a.http.get(_fill(path, unknown), params=params, headers=headers)
            assert foreign.status_code == nowhere.status_code in (403, 404), path
            masked = [
                _UUID.sub("<id>", r.text) for r in (foreign, nowhere)
            ]  # the id named in the path is the only difference
            assert masked[0] == masked[1], path


async def test_the_console_board_and_refund_preview_follow_the_same_isolation(
    orgs: tuple[Org, Org, ReadSide],
) -> None:
    a, b, _ = orgs
    signed_in = {"Cookie": f"{ACCESS_COOKIE}={a.token}"}  # the console's session cookie

    board = (await a.http.get("/console/api/board", headers=signed_in)).json()
    foreign = await a.http.get(
        f"/console/api/bookings/{b.ids['booking_id']}/refund", headers=signed_in
    )
    nowhere = await a.http.get(f"/console/api/bookings/{uuid.uuid4()}/refund", headers=signed_in)

    assert {item["vehicle_id"] for item in board["items"]} >= {
        str(a.ids["vehicle_id"]),
        str(a.ids["other_vehicle_id"]),
    }
    assert not set(_UUID.findall(str(board))) & {str(i) for i in b.ids.values()}
    assert foreign.status_code == nowhere.status_code == 404
    assert _UUID.sub("<id>", foreign.text) == _UUID.sub("<id>", nowhere.text)


async def test_the_stream_carries_only_the_subscribers_organization(
    orgs: tuple[Org, Org, ReadSide],
) -> None:
    a, b, read = orgs
    fleet = read.fleet
    async with (
        serving(read) as client,
        asyncio.timeout(STREAM_WITHIN_S),
        client.stream(
            "GET", "/v1/stream", headers={"Authorization": f"Bearer {a.token}"}
        ) as response,
    ):
        assert response.status_code == 200
        lines = response.aiter_lines()
        await fleet.hold(b.ids["other_vehicle_id"], fleet.at(days=5), fleet.at(days=5, hours=1))
        marker = await fleet.hold(
            a.ids["other_vehicle_id"], fleet.at(days=5), fleet.at(days=5, hours=1)
        )
        data: list[dict[str, Any]] = []
        while not data or {"kind": "hold", "id": str(marker)} not in data[-1]["changes"]:
            data.append(loads(fields_of(await next_message(lines))["data"]))

    assert {d["organization_id"] for d in data} == {str(a.organization_id)}


async def test_location_filters_narrow_vehicles_availability_bookings_and_analytics(
    orgs: tuple[Org, Org, ReadSide],
) -> None:
    a, _, read = orgs
    fleet, here = read.fleet, {"location_id": str(a.location_id)}
    window = {"from": iso(fleet.at(hours=-1)), "to": iso(fleet.at(days=5))}
    free = {"start": iso(fleet.at(days=10)), "end": iso(fleet.at(days=10, hours=1))}

    vehicles = await a.ok("/v1/vehicles", **here)
    available = await a.ok("/v1/availability", **free, **here)
    bookings = await a.ok("/v1/bookings", **here)
    stats = await a.ok("/v1/analytics/bookings/stats", **window, **here)
    everywhere = await a.ok("/v1/analytics/bookings/stats", **window)
    usage = await a.ok("/v1/analytics/fleet/utilization", **window, **here)

    located = [str(a.ids["vehicle_id"])]
    assert [v["vehicle_id"] for v in vehicles["items"]] == located
    assert vehicles["items"][0]["location_id"] == str(a.location_id)
    assert [v["vehicle_id"] for v in available["items"]] == located
    assert [b["booking_id"] for b in bookings["items"]] == [str(a.ids["booking_id"])]
    assert bookings["items"][0]["location_id"] == str(a.location_id)
    assert (stats["bookings"], everywhere["bookings"]) == (1, 2)
    assert usage["totals"]["booked_seconds"] == 3 * 3600 - 600  # [now + 10 min, now + 3 h)


async def test_allocation_history_filters_by_cost_centre_employee_vehicle_and_window(
    orgs: tuple[Org, Org, ReadSide],
) -> None:
    a, b, read = orgs
    fleet = read.fleet
    centre = f"CC-{a.organization_id.hex[:6]}"
    allocated = await a.ok(f"/v1/bookings/{a.ids['allocated_booking_id']}")
    customer = allocated["customer_id"]
    window = {"from": iso(fleet.at(hours=99)), "to": iso(fleet.at(hours=101))}

    by_centre = await a.ok("/v1/bookings", cost_centre=centre)
    theirs = await a.ok("/v1/bookings", cost_centre=f"CC-{b.organization_id.hex[:6]}")
    narrowed = await a.ok(
        "/v1/bookings", cost_centre=centre, customer_id=customer,
        vehicle_id=str(a.ids["other_vehicle_id"]), **window,
    )  # fmt: skip
    elsewhen = await a.ok("/v1/bookings", cost_centre=centre, to=iso(fleet.at(hours=99)))

    assert (allocated["purpose"], allocated["cost_centre"]) == ("site visit", centre)
    assert [i["booking_id"] for i in by_centre["items"]] == [str(a.ids["allocated_booking_id"])]
    assert narrowed["items"] == by_centre["items"]
    assert theirs["items"] == elsewhen["items"] == []


async def test_in_service_time_counts_where_the_vehicle_was_then(
    read: ReadSide, issuer: Issuer
) -> None:
    org, first, second = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    fleet = read.fleet
    vehicle = await fleet.register(organization_id=org, location_id=first)
    window = {"from": iso(fleet.at()), "to": iso(fleet.at(hours=6))}
    fleet.clock.advance(hours=2)
    await fleet.run(vehicle, cmd.UpdateVehicleDetails(location_id=second))
    headers = {"Authorization": f"Bearer {await token_of(issuer, 'fleet_manager', org)}"}

    async def available(**params: str) -> int:
        answer = await read.http.get(
            "/v1/analytics/fleet/utilization", params={**window, **params}, headers=headers
        )
        seconds: int = answer.json()["totals"]["available_seconds"]
        return seconds

    everywhere = await available()
    there, here = await available(location_id=str(first)), await available(location_id=str(second))

    assert there == 2 * 3600
    assert here == everywhere - there > 0
