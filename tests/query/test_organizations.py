"""Two organizations on one read side, isolated in two walls.

Every GET operation of the query service's OpenAPI document is called (so a new endpoint
is covered without editing this file): one organization's answers hold no id of the
other's, and the other's ids answer exactly like ids that exist nowhere. These run twice:
with both walls, and with the queries' own filters alone (reads as the tables' owner, whom
row-level security does not restrict), so neither wall hides a hole in the other. Under
them, row-level security shows a read transaction only its organization's rows, and none
without one.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest
import pytest_asyncio

from command_service.domain import commands as cmd
from query_service.console.session import ACCESS_COOKIE
from query_service.read_models import TABLES
from query_service.store import schemas
from query_service.store.row_security import READER_ROLE
from shared.contract.serialization import loads
from tests.conftest import FakeClock, Issuer
from tests.query.conftest import Fleet, ReadSide, iso, start_read_side
from tests.query.payment_support import PaidHold
from tests.query.pricing_support import publish, terms
from tests.query.test_locations_api import open_location
from tests.query.test_stream import fields_of, next_message, serving

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_ID_PARAMS = (
    "vehicle_id", "booking_id", "hold_id", "trip_id", "maintenance_id", "location_id",
    "policy_id", "payment_id",
)  # fmt: skip


async def token_of(issuer: Issuer, role: str, organization_id: UUID) -> str:
    """An access token of `role` in the organization (claim `org`)."""
    return await issuer.token(role, organization_id=organization_id)


@dataclass
class Org:
    """One organization's data on the read side and a manager's client of it."""

    organization_id: UUID
    location_id: UUID
    ids: dict[str, UUID]
    http: httpx.AsyncClient
    token: str

    async def ok(self, path: str, **params: Any) -> Any:
        response = await self.http.get(path, params=params)
        assert response.status_code == 200, (path, response.text)
        return response.json()


async def book(
    fleet: Fleet, vehicle_id: UUID, hours: tuple[float, float], purpose: str, cost_centre: str
) -> UUID:
    """A booking through the command domain, charged to `cost_centre`."""
    booking_id, customer = uuid.uuid4(), uuid.uuid4()
    start, end = fleet.at(hours=hours[0]), fleet.at(hours=hours[1])
    command = cmd.BookVehicle(
        booking_id, customer, start, end, purpose=purpose, cost_centre=cost_centre
    )
    await fleet.run(vehicle_id, command)
    return booking_id


async def populate(fleet: Fleet, organization_id: UUID) -> tuple[UUID, dict[str, UUID]]:
    """A location, a vehicle there with a paid booking and a running trip, one without a
    location with a hold, a maintenance window and a cost-centre booking; a pricing
    policy in two versions."""
    location_id = await open_location(fleet, organization_id)
    vehicle = await fleet.register(organization_id=organization_id, location_id=location_id)
    other = await fleet.register(organization_id=organization_id)
    booking = await fleet.book(vehicle, fleet.at(minutes=10), fleet.at(hours=3))
    trip = await fleet.start_trip(vehicle, booking, 10_100)
    hold = await fleet.hold(other, fleet.at(days=1), fleet.at(days=1, hours=2))
    maintenance = await fleet.maintenance(other, fleet.at(days=2), fleet.at(days=3))
    allocated = await book(fleet, other, (100, 102), "site visit", f"CC-{organization_id.hex[:6]}")
    policy = await publish(fleet, organization_id, terms(name="Revised"))
    customer = await fleet.conn.fetchval("SELECT customer_id FROM bookings WHERE booking_id = $1",
                                         booking)  # fmt: skip
    paid = PaidHold(fleet, uuid.uuid4(), vehicle, customer, booking, 10_000,
                    organization_id=organization_id)  # fmt: skip
    await paid.start()
    await paid.authorize()
    return location_id, {
        "vehicle_id": vehicle, "other_vehicle_id": other, "booking_id": booking,
        "trip_id": trip, "hold_id": hold, "maintenance_id": maintenance,
        "allocated_booking_id": allocated, "location_id": location_id, "policy_id": policy,
        "payment_id": paid.payment_id,
    }  # fmt: skip


async def _stay_the_owner(conn: asyncpg.Connection) -> None:
    """The readers' connections stay the owner, whom row-level security does not filter."""


@pytest_asyncio.fixture(params=["both walls", "the queries alone"])
async def orgs(
    query_dsn: str,
    clock: FakeClock,
    issuer: Issuer,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[tuple[Org, Org, ReadSide]]:
    """Organizations A and B (fresh ids), each with data, on one read side."""
    if request.param == "the queries alone":
        monkeypatch.setattr(schemas, "become_reader", _stay_the_owner)
    async for read in start_read_side(query_dsn, clock, issuer):
        made = []
        for _ in range(2):
            org_id = uuid.uuid4()
            location, ids = await populate(read.fleet, org_id)
            token = await token_of(issuer, "fleet_manager", org_id)
            client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=read.app), base_url="http://query",
                headers={"Authorization": f"Bearer {token}"},
            )  # fmt: skip
            made.append(Org(org_id, location, ids, client, token))
        try:
            yield made[0], made[1], read
        finally:
            for org in made:
                await org.http.aclose()


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
        asyncio.timeout(10),
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


async def test_a_read_transaction_sees_only_its_organizations_rows_and_none_without_one(
    orgs: tuple[Org, Org, ReadSide],
) -> None:
    a, _, read = orgs
    conn = read.fleet.conn  # the owner: row-level security does not apply to it
    for table in sorted({spec.table for spec in TABLES}):
        mine = await conn.fetchval(
            f"SELECT count(*) FROM {table} WHERE organization_id = $1", a.organization_id
        )
        everything = await conn.fetchval(f"SELECT count(*) FROM {table}")
        assert mine > 0 and everything > mine, table  # both organizations have rows here

        assert await _count_as_reader(conn, table) == 0, table
        assert await _count_as_reader(conn, table, ("fleet.organization", "")) == 0, table
        assert await _count_as_reader(conn, table, ("fleet.organization", a.organization_id)) \
            == mine, table  # fmt: skip
        assert await _count_as_reader(conn, table, ("fleet.every_organization", "on")) \
            == everything, table  # fmt: skip


async def _count_as_reader(
    conn: asyncpg.Connection, table: str, setting: tuple[str, object] | None = None
) -> int:
    async with conn.transaction():
        await conn.execute(f"SET LOCAL ROLE {READER_ROLE}")
        if setting is not None:
            await conn.execute("SELECT set_config($1, $2, true)", setting[0], str(setting[1]))
        count: int = await conn.fetchval(f"SELECT count(*) FROM {table}")
        return count


@pytest.mark.parametrize("orgs", ["both walls"], indirect=True)
async def test_a_readers_connection_reads_in_the_scope_of_its_latest_caller(
    orgs: tuple[Org, Org, ReadSide],
) -> None:
    a, b, read = orgs
    count = "SELECT count(*) FROM vehicles"
    owner = read.fleet.conn  # row-level security does not apply to it
    mine, theirs = [
        await owner.fetchval(f"{count} WHERE organization_id = $1", org.organization_id)
        for org in (a, b)
    ]
    everything = await owner.fetchval(count)

    readers = read.app.state.read_db.readers
    await readers.expire_connections()  # the next acquire opens a new session
    async with readers.acquire() as conn:
        assert await conn.fetchval(count) == 0  # no scope yet: no row
        seen = []
        for scope in (a.organization_id, b.organization_id, None, a.organization_id):
            await conn.read_as(scope)
            seen.append(await conn.fetchval(count))
        with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
            await conn.execute("DELETE FROM vehicles")

    assert seen == [mine, theirs, everything, mine]
    assert mine > 0 and theirs > 0


@pytest.mark.parametrize("orgs", ["both walls"], indirect=True)
async def test_a_scope_change_cut_short_is_set_again_by_the_next_read(
    orgs: tuple[Org, Org, ReadSide],
) -> None:
    a, b, read = orgs
    async with read.app.state.read_db.readers.acquire() as conn:
        await conn.read_as(a.organization_id)
        change = asyncio.ensure_future(conn.read_as(b.organization_id))
        await asyncio.sleep(0)  # sent, not yet confirmed
        change.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await change
        await conn.read_as(a.organization_id)  # whatever the server applied, A again
        organizations = await conn.fetch("SELECT DISTINCT organization_id FROM vehicles")

    assert [r["organization_id"] for r in organizations] == [a.organization_id]


async def test_the_reader_role_neither_owns_nor_bypasses_the_read_models(
    read: ReadSide,
) -> None:
    role = await read.fleet.conn.fetchrow(
        "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1", READER_ROLE
    )
    guarded = await read.fleet.conn.fetch(
        "SELECT relname, relrowsecurity, pg_get_userbyid(relowner) AS owner FROM pg_class"
        " WHERE relnamespace = current_schema()::regnamespace AND relname = ANY($1)",
        [spec.table for spec in TABLES],
    )

    assert role is not None and (role["rolsuper"], role["rolbypassrls"]) == (False, False)
    assert len(guarded) == len({spec.table for spec in TABLES})
    assert all(r["relrowsecurity"] and r["owner"] != READER_ROLE for r in guarded)


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
