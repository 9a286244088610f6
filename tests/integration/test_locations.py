"""Locations (branches) on the command side: their own event streams, within one
organization, and a vehicle's home location."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.integration.conftest import bearer, new_vehicle, token_for
from tests.organizations import create_organization, member_token

BERLIN = {"name": "Berlin Hbf", "lat": 52.5251, "lon": 13.3694, "timezone": "Europe/Berlin"}


async def open_location(api: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    resp = await api.post("/v1/locations", json={**BERLIN, **overrides})
    assert resp.status_code == 201, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def stored_events(api: httpx.AsyncClient) -> int:
    return int(await api.app.state.pool.fetchval("SELECT count(*) FROM events"))  # type: ignore[attr-defined]


@pytest.fixture
async def outsider(api: httpx.AsyncClient) -> dict[str, str]:
    """The headers of a fleet manager of another organization."""
    app = api.app  # type: ignore[attr-defined]
    other = await create_organization(app.state.pool)
    return bearer(await member_token(app.state.identity, app.state.pool, other, "fleet_manager"))


async def test_a_manager_opens_a_location_and_updates_it(api: httpx.AsyncClient) -> None:
    resp = await api.post("/v1/locations", json={**BERLIN, "address": " Europaplatz 1 "})
    assert resp.status_code == 201 and resp.headers["etag"] == '"1"'
    opened = resp.json()
    assert opened == {
        **BERLIN,
        "location_id": opened["location_id"],
        "organization_id": "00000000-0000-4000-8000-000000000001",
        "address": "Europaplatz 1",
        "version": 1,
        "consistency_token": opened["consistency_token"],
    }
    location = opened["location_id"]

    resp = await api.patch(
        f"/v1/locations/{location}",
        json={"name": "Berlin Hauptbahnhof"},
        headers={"If-Match": '"1"'},
    )
    assert resp.status_code == 200 and resp.headers["etag"] == '"2"'
    assert resp.json()["name"] == "Berlin Hauptbahnhof" and resp.json()["version"] == 2
    assert resp.json()["timezone"] == "Europe/Berlin"  # unchanged fields stay

    history = (await api.get(f"/v1/locations/{location}/history")).json()
    assert [item["type"] for item in history["items"]] == ["LocationOpened", "LocationUpdated"]
    assert all(
        item["location_id"] == location and "vehicle_id" not in item for item in history["items"]
    )
    changed = {k: v for k, v in history["items"][1]["data"].items() if v is not None}
    assert changed == {
        "name": "Berlin Hauptbahnhof",
        "organization_id": "00000000-0000-4000-8000-000000000001",
    }
    assert history["items"][0]["schema_version"] == 2


async def test_an_update_that_changes_nothing_appends_nothing(api: httpx.AsyncClient) -> None:
    location = (await open_location(api))["location_id"]
    resp = await api.patch(f"/v1/locations/{location}", json={"name": BERLIN["name"]})
    assert resp.status_code == 200 and resp.json()["version"] == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"lat": 90.5}, "lat"),
        ({"lon": -180.1}, "lon"),
        ({"name": "   "}, "name"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_bad_input_answers_422_and_writes_nothing(
    api: httpx.AsyncClient, change: dict[str, Any], field: str
) -> None:
    before = await stored_events(api)
    resp = await api.post("/v1/locations", json={**BERLIN, **change})
    assert resp.status_code == 422 and resp.headers["content-type"] == "application/problem+json"
    assert any(field in str(error) for error in resp.json()["errors"]), resp.json()
    assert await stored_events(api) == before


async def test_a_bad_update_answers_422(api: httpx.AsyncClient) -> None:
    location = (await open_location(api))["location_id"]
    for body in ({}, {"timezone": "Nowhere/Land"}, {"lat": 10.0}, {"country": "DE"}):
        resp = await api.patch(f"/v1/locations/{location}", json=body)
        assert resp.status_code == 422, (body, resp.text)


async def test_an_idempotency_key_replays_the_first_location(api: httpx.AsyncClient) -> None:
    key = {"Idempotency-Key": f"branch-{uuid.uuid4()}"}
    first = await api.post("/v1/locations", json=BERLIN, headers=key)
    again = await api.post("/v1/locations", json=BERLIN, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    other = await api.post("/v1/locations", json={**BERLIN, "name": "Other"}, headers=key)
    assert other.status_code == 422


async def test_a_stale_if_match_answers_412_but_an_unknown_id_404(api: httpx.AsyncClient) -> None:
    location = (await open_location(api))["location_id"]
    stale = await api.patch(
        f"/v1/locations/{location}", json={"name": "X"}, headers={"If-Match": '"7"'}
    )
    assert stale.status_code == 412
    unknown = await api.patch(
        f"/v1/locations/{uuid.uuid4()}", json={"name": "X"}, headers={"If-Match": '"7"'}
    )
    assert unknown.status_code == 404


async def test_another_organizations_location_answers_exactly_like_an_unknown_id(
    api: httpx.AsyncClient, outsider: dict[str, str]
) -> None:
    location = (await open_location(api))["location_id"]
    unknown = str(uuid.uuid4())
    for path, call in (
        ("/v1/locations/{}", lambda p, h: api.patch(p, json={"name": "Mine"}, headers=h)),
        ("/v1/locations/{}/history", lambda p, h: api.get(p, headers=h)),
    ):
        theirs = await call(path.format(location), outsider)
        nobodys = await call(path.format(unknown), outsider)
        assert theirs.status_code == nobodys.status_code == 404
        assert theirs.json() == {
            **nobodys.json(),
            "detail": nobodys.json()["detail"].replace(unknown, location),
        }
    assert (await api.get(f"/v1/locations/{location}/history")).json()["items"][-1]["version"] == 1


async def test_an_organizations_own_manager_updates_its_location(
    api: httpx.AsyncClient, outsider: dict[str, str]
) -> None:
    resp = await api.post("/v1/locations", json=BERLIN, headers=outsider)
    assert resp.status_code == 201
    theirs = resp.json()
    assert theirs["organization_id"] != "00000000-0000-4000-8000-000000000001"
    patched = await api.patch(
        f"/v1/locations/{theirs['location_id']}", json={"name": "Theirs"}, headers=outsider
    )
    assert (
        patched.status_code == 200
        and patched.json()["organization_id"] == theirs["organization_id"]
    )
    mine = await api.patch(f"/v1/locations/{theirs['location_id']}", json={"name": "Mine"})
    assert mine.status_code == 404


async def test_customers_may_not_open_locations(api: httpx.AsyncClient) -> None:
    customer = bearer(await token_for(api.app, "customer"))  # type: ignore[attr-defined]
    assert (await api.post("/v1/locations", json=BERLIN, headers=customer)).status_code == 403


async def test_a_vehicle_has_a_home_location(api: httpx.AsyncClient) -> None:
    first, second = (
        (await open_location(api))["location_id"],
        (await open_location(api))["location_id"],
    )
    registered = await api.post("/v1/vehicles", json=new_vehicle(location_id=first))
    assert registered.status_code == 201 and registered.json()["location_id"] == first
    vehicle = registered.json()["vehicle_id"]

    moved = await api.patch(f"/v1/vehicles/{vehicle}", json={"location_id": second})
    assert moved.status_code == 200 and moved.json()["location_id"] == second
    items = (await api.get(f"/v1/vehicles/{vehicle}/history")).json()["items"]
    assert [i["data"].get("location_id") for i in items] == [first, second]


async def test_an_unknown_or_foreign_location_answers_404_and_registers_nothing(
    api: httpx.AsyncClient, outsider: dict[str, str]
) -> None:
    foreign = (await api.post("/v1/locations", json=BERLIN, headers=outsider)).json()["location_id"]
    unknown = str(uuid.uuid4())
    before = await stored_events(api)
    answers = {}
    for location in (foreign, unknown):
        resp = await api.post("/v1/vehicles", json=new_vehicle(location_id=location))
        assert resp.status_code == 404, resp.text
        answers[location] = resp.json()
    assert answers[foreign] == {
        **answers[unknown],
        "detail": answers[unknown]["detail"].replace(unknown, foreign),
    }
    vehicle = (await api.post("/v1/vehicles", json=new_vehicle())).json()["vehicle_id"]
    resp = await api.patch(f"/v1/vehicles/{vehicle}", json={"location_id": foreign})
    assert resp.status_code == 404 and resp.json()["title"] == answers[unknown]["title"]
    assert await stored_events(api) == before + 1  # the plain registration alone


async def test_location_events_join_the_feed_and_are_no_vehicles(api: httpx.AsyncClient) -> None:
    location = (await open_location(api))["location_id"]
    feed = (await api.get("/v1/events", params={"limit": 5000})).json()["items"]
    ours = [item for item in feed if item.get("location_id") == location]
    assert [item["type"] for item in ours] == ["LocationOpened"] and "vehicle_id" not in ours[0]
    assert (await api.get(f"/v1/vehicles/{location}/history")).status_code == 404
    assert (await api.patch(f"/v1/vehicles/{location}", json={"seats": 4})).status_code == 404
