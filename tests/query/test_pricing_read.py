"""GET /v1/pricing/policies[/{policy_id}] and the price breakdown of holds and bookings:
a policy reads as its latest version with every version kept, only in its organization;
a booking shows how its price was derived, as its event recorded it."""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

import httpx

from shared.contract.organizations import DEFAULT_ORGANIZATION_ID as DEFAULT
from tests.conftest import Issuer
from tests.query.conftest import ReadSide, iso
from tests.query.organizations.conftest import count_as_reader
from tests.query.pricing_support import book_priced, hold_priced, priced, publish, terms

SUMMER = terms(seasons=[{"start": "2031-06-01", "end": "2031-08-31", "multiplier": 1.25}])


def client(read: ReadSide, token: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=read.app), base_url="http://query",
                             headers={"Authorization": f"Bearer {token}"})  # fmt: skip


async def test_a_policy_reads_as_its_latest_version_and_keeps_every_version(
    read: ReadSide,
) -> None:
    published_at = read.fleet.clock.now
    policy = await publish(read.fleet, DEFAULT, SUMMER, name="Weekend")
    revised_at = read.fleet.clock.now

    body = await read.ok(f"/v1/pricing/policies/{policy}")

    assert body == {
        "policy_id": str(policy), "organization_id": str(DEFAULT), "version": 2,
        "terms": SUMMER.model_dump(mode="json"),
        "published_at": iso(published_at), "updated_at": iso(revised_at),
        "versions": [
            {"version": 1, "published_at": iso(published_at),
             "terms": terms(name="Weekend").model_dump(mode="json")},
            {"version": 2, "published_at": iso(revised_at),
             "terms": SUMMER.model_dump(mode="json")},
        ],
    }  # fmt: skip


async def test_one_version_is_read_alone_and_a_version_never_published_is_not_found(
    read: ReadSide,
) -> None:
    policy = await publish(read.fleet, DEFAULT, SUMMER)

    first = await read.ok(f"/v1/pricing/policies/{policy}", version=1)
    missing = await read.get(f"/v1/pricing/policies/{policy}", version=3)

    assert first["version"] == 2 and first["terms"] == SUMMER.model_dump(mode="json")
    assert [v["version"] for v in first["versions"]] == [1]
    assert first["versions"][0]["terms"] == terms().model_dump(mode="json")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert (await read.get(f"/v1/pricing/policies/{policy}", version=0)).status_code == 422


async def test_policies_are_listed_by_id_a_page_at_a_time_only_the_callers_own(
    read: ReadSide,
) -> None:
    mine = sorted([await publish(read.fleet, DEFAULT, name=f"P{n}") for n in range(3)], key=str)
    await publish(read.fleet, uuid.uuid4(), name="Theirs")
    seen: list[UUID] = []
    cursor: dict[str, Any] = {}
    while True:
        page = await read.ok("/v1/pricing/policies", limit=2, **cursor)
        seen += [UUID(p["policy_id"]) for p in page["items"]]
        if page["next_cursor"] is None:
            break
        cursor = {"cursor": page["next_cursor"]}

    assert [p for p in seen if p in mine] == mine  # in id order, none twice
    assert {p["terms"]["name"] for p in (await read.ok("/v1/pricing/policies", limit=500))
            ["items"]} >= {"P0", "P1", "P2"} and "Theirs" not in str(seen)  # fmt: skip
    listed = await read.ok("/v1/pricing/policies", limit=500)
    assert all(p["organization_id"] == str(DEFAULT) for p in listed["items"])


async def test_another_organizations_policy_answers_exactly_like_an_unknown_id(
    read: ReadSide,
) -> None:
    theirs = await publish(read.fleet, uuid.uuid4())
    unknown = uuid.uuid4()
    for params in ({}, {"version": 1}):
        foreign = await read.get(f"/v1/pricing/policies/{theirs}", **params)
        nowhere = await read.get(f"/v1/pricing/policies/{unknown}", **params)
        assert foreign.status_code == nowhere.status_code == 404
        assert foreign.text.replace(str(theirs), "<id>") == nowhere.text.replace(
            str(unknown), "<id>"
        )


async def test_policies_are_for_staff_customers_are_refused(read: ReadSide, issuer: Issuer) -> None:
    policy = await publish(read.fleet)
    async with client(read, await issuer.token("customer")) as customer, \
            client(read, await issuer.token("admin")) as admin:  # fmt: skip
        for path in ("/v1/pricing/policies", f"/v1/pricing/policies/{policy}"):
            assert (await customer.get(path)).status_code == 403
            assert (await admin.get(path)).status_code == 200


async def test_a_booking_shows_the_breakdown_policy_demand_extras_and_deposit_it_recorded(
    read: ReadSide,
) -> None:
    fleet = read.fleet
    vehicle = await fleet.register()
    policy = await publish(fleet)
    pricing = priced(policy, {"rental": 8_400, "child seat": 500}, demand=(30, 120),
                     extras=("child-seat",))  # fmt: skip
    booking = await book_priced(fleet, vehicle, fleet.at(days=1), fleet.at(days=1, hours=7),
                                pricing)  # fmt: skip

    body = await read.ok(f"/v1/bookings/{booking}")
    listed = await read.ok("/v1/bookings", vehicle_id=str(vehicle))

    assert body["price_cents"] == 8_900 and listed["items"] == [body]
    assert {k: body[k] for k in ("breakdown", "policy_id", "policy_version", "deposit_cents",
                                 "extras", "demand", "quote_id")} == {
        "breakdown": [{"label": "rental", "amount_cents": 8_400},
                      {"label": "child seat", "amount_cents": 500}],
        "policy_id": str(policy), "policy_version": 1, "deposit_cents": 20_000,
        "extras": ["child-seat"], "quote_id": None,
        "demand": {"booked_hours": 30, "capacity_hours": 120, "utilization": 0.25,
                   "multiplier": 1.0},
    }  # fmt: skip


async def test_a_hold_shows_the_price_its_event_recorded_with_the_quote_it_named(
    read: ReadSide,
) -> None:
    fleet = read.fleet
    vehicle = await fleet.register()
    policy, quote = await publish(fleet), uuid.uuid4()
    pricing = priced(policy, {"rental": 2_400, "demand": 1_200}, demand=(80, 100)).model_copy(
        update={"quote_id": quote}
    )
    hold = await hold_priced(fleet, vehicle, fleet.at(days=3), fleet.at(days=3, hours=2), pricing)

    body = await read.ok(f"/v1/holds/{hold}")

    assert (body["price_cents"], body["policy_id"], body["quote_id"]) == (
        3_600,
        str(policy),
        str(quote),
    )
    assert body["breakdown"] == [{"label": "rental", "amount_cents": 2_400},
                                 {"label": "demand", "amount_cents": 1_200}]  # fmt: skip
    assert body["demand"]["utilization"] == 0.8 and body["deposit_cents"] == 20_000


async def test_holds_and_bookings_priced_before_policies_show_one_rental_line(
    read: ReadSide,
) -> None:
    fleet = read.fleet
    vehicle = await fleet.register()
    booking = await book_priced(fleet, vehicle, fleet.at(days=1), fleet.at(days=1, hours=3), None)
    hold = await hold_priced(fleet, vehicle, fleet.at(days=2), fleet.at(days=2, hours=2), None)

    for body in (await read.ok(f"/v1/bookings/{booking}"), await read.ok(f"/v1/holds/{hold}")):
        assert {k: body[k] for k in ("breakdown", "policy_id", "policy_version", "deposit_cents",
                                     "extras", "demand", "quote_id")} == {
            "breakdown": [{"label": "rental", "amount_cents": body["price_cents"]}],
            "policy_id": None, "policy_version": None, "deposit_cents": 0, "extras": [],
            "demand": None, "quote_id": None,
        }  # fmt: skip
        assert body["price_cents"] > 0


async def test_without_the_organization_setting_the_pricing_tables_show_no_row(
    read: ReadSide,
) -> None:
    await publish(read.fleet, DEFAULT, SUMMER)
    conn = read.fleet.conn
    for table in ("pricing_policies", "pricing_policy_versions"):
        assert await conn.fetchval(f"SELECT count(*) FROM {table}") > 0, table
        assert await count_as_reader(conn, table) == 0, table
        assert await count_as_reader(conn, table, ("fleet.organization", uuid.uuid4())) == 0
        assert await count_as_reader(conn, table, ("fleet.organization", DEFAULT)) > 0
