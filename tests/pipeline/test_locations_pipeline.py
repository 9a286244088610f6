"""A location is a stream of its own through the whole pipeline: relay → Kafka (key = the
location id) → the query service's read model, healable from its history, and equal to a
rebuild from the log."""

from __future__ import annotations

import uuid

import httpx

from query_service.feed_client import CommandFeed
from shared.kit.auth.client import SignedIn
from tests.integration.conftest import new_vehicle
from tests.pipeline.conftest import read_topic
from tests.pipeline.stack import assert_equals_rebuild, wait_caught_up

BERLIN = {"name": "Berlin Hbf", "lat": 52.5251, "lon": 13.3694, "timezone": "Europe/Berlin"}


async def test_a_location_travels_from_the_command_side_to_the_read_model(stack):
    auth = SignedIn(stack.accounts.admin, stack.command_url)
    async with httpx.AsyncClient(timeout=30, auth=auth) as http:
        opened = (await http.post(f"{stack.command_url}/v1/locations", json=BERLIN)).json()
        location = opened["location_id"]
        renamed = await http.patch(
            f"{stack.command_url}/v1/locations/{location}", json={"name": "Hauptbahnhof"}
        )
        vehicle = await http.post(
            f"{stack.command_url}/v1/vehicles", json=new_vehicle(location_id=location)
        )
        seen = await http.get(
            f"{stack.query_url}/v1/locations/{location}",
            headers={"X-Consistency-Token": renamed.json()["consistency_token"]},
        )
        car = await http.get(
            f"{stack.query_url}/v1/vehicles/{vehicle.json()['vehicle_id']}",
            headers={"X-Consistency-Token": vehicle.json()["consistency_token"]},
        )
    assert seen.status_code == 200, seen.text
    assert seen.json()["name"] == "Hauptbahnhof" and seen.json()["version"] == 2
    assert car.json()["location_id"] == location

    records = [r for r in await read_topic(stack.bootstrap, stack.topic) if str(r[0]) == location]
    assert [(version, headers["ce_type"]) for _, version, headers in records] == [
        (1, "fleetledger.location.LocationOpened"),
        (2, "fleetledger.location.LocationUpdated"),
    ]
    assert {headers["ce_subject"] for _, _, headers in records} == {location}

    feed = CommandFeed(stack.command_url, stack.accounts.service)
    try:
        history = await feed.history("location", uuid.UUID(location), 1)
    finally:
        await feed.close()
    assert [(type(e).__name__, e.version) for e, _ in history] == [("LocationUpdated", 2)]

    await wait_caught_up(stack)
    await assert_equals_rebuild(stack)
