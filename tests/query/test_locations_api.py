"""GET /v1/locations and /v1/locations/{id}: a location stream's projection, seen only by
its own organization; a vehicle's home location on GET /v1/vehicles."""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

from command_service.domain import commands as cmd
from command_service.domain.locations import (
    LocationState,
    OpenLocation,
    UpdateLocation,
    decide_location,
    fold_location,
)
from query_service.healer import Healer
from shared.contract.consistency import encode_token
from shared.contract.events import LocationEvent
from shared.contract.organizations import DEFAULT_ORGANIZATION_ID as DEFAULT
from tests.conftest import Issuer
from tests.organizations import create_organization, member_token
from tests.query.conftest import Fleet, ReadSide, iso

BERLIN: dict[str, Any] = {
    "name": "Berlin Hbf", "lat": 52.5251, "lon": 13.3694, "timezone": "Europe/Berlin"
}  # fmt: skip


def opened(fleet: Fleet, organization: UUID = DEFAULT, **fields: Any) -> list[LocationEvent]:
    """The events that open a new location of the organization, decided now."""
    location_id = uuid.uuid4()
    command = OpenLocation(location_id, organization, **{**BERLIN, **fields})
    return decide_location(None, command, fleet.clock.now, uuid.uuid4, location_id)


def updated(fleet: Fleet, before: list[LocationEvent], **fields: Any) -> list[LocationEvent]:
    """The events an update of the location decides now, after `before`."""
    state: LocationState | None = fold_location(before)
    assert state is not None
    command = UpdateLocation(state.organization_id, **fields)
    return decide_location(state, command, fleet.clock.now, uuid.uuid4, state.location_id)


async def open_location(fleet: Fleet, organization: UUID = DEFAULT, **fields: Any) -> UUID:
    events = opened(fleet, organization, **fields)
    await fleet.apply(*events)  # type: ignore[arg-type]
    return events[0].location_id


async def outsider(issuer: Issuer, role: str = "fleet_manager") -> tuple[UUID, dict[str, str]]:
    """A new organization and the headers of one of its members."""
    pool, identity = issuer.app.state.pool, issuer.app.state.identity
    other = await create_organization(pool)
    token = await member_token(identity, pool, other, role)
    return other, {"Authorization": f"Bearer {token}"}


async def test_a_location_is_read_and_listed_as_its_events_left_it(
    read: ReadSide, fleet: Fleet
) -> None:
    first = opened(fleet, address="Europaplatz 1")
    opened_at = fleet.clock.now
    await fleet.apply(*first)  # type: ignore[arg-type]
    fleet.clock.advance(minutes=5)
    await fleet.apply(*updated(fleet, first, name="Hauptbahnhof", timezone="Europe/Paris"))  # type: ignore[arg-type]
    location = first[0].location_id

    one = await read.ok(f"/v1/locations/{location}")

    assert one == {
        **BERLIN,
        "location_id": str(location),
        "organization_id": str(DEFAULT),
        "name": "Hauptbahnhof",
        "timezone": "Europe/Paris",
        "address": "Europaplatz 1",
        "version": 2,
        "opened_at": iso(opened_at),
        "updated_at": iso(fleet.clock.now),
    }
    assert one in (await read.ok("/v1/locations", limit=500))["items"]


async def test_the_list_pages_by_cursor_in_id_order(read: ReadSide, fleet: Fleet) -> None:
    opened_ids = {str(await open_location(fleet)) for _ in range(3)}
    seen: list[str] = []
    cursor = None
    while True:
        page = await read.ok("/v1/locations", limit=2, **({"cursor": cursor} if cursor else {}))
        assert len(page["items"]) <= 2
        seen += [item["location_id"] for item in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert opened_ids <= set(seen) and seen == sorted(seen) and len(seen) == len(set(seen))


async def test_another_organization_sees_none_of_them(
    read: ReadSide, fleet: Fleet, issuer: Issuer
) -> None:
    mine = await open_location(fleet)
    other, headers = await outsider(issuer)
    theirs = await open_location(fleet, other, name="Their branch")

    listed = (await read.http.get("/v1/locations", params={"limit": 500}, headers=headers)).json()
    assert [item["location_id"] for item in listed["items"]] == [str(theirs)]
    own = (await read.ok("/v1/locations", limit=500))["items"]
    assert str(theirs) not in {item["location_id"] for item in own}

    unknown = uuid.uuid4()
    foreign = await read.http.get(f"/v1/locations/{mine}", headers=headers)
    nobodys = await read.http.get(f"/v1/locations/{unknown}", headers=headers)
    assert foreign.status_code == nobodys.status_code == 404
    assert foreign.json() == {
        **nobodys.json(),
        "detail": nobodys.json()["detail"].replace(str(unknown), str(mine)),
    }


async def test_customers_read_their_organizations_locations(
    read: ReadSide, fleet: Fleet, issuer: Issuer
) -> None:
    location = await open_location(fleet)
    customer = {"Authorization": f"Bearer {await issuer.token('customer')}"}
    resp = await read.http.get(f"/v1/locations/{location}", headers=customer)
    assert resp.status_code == 200 and resp.json()["location_id"] == str(location)


async def test_a_location_write_is_read_with_its_consistency_token(
    read: ReadSide, fleet: Fleet
) -> None:
    location = await open_location(fleet)
    ahead = await read.http.get(
        f"/v1/locations/{location}",
        headers={"X-Consistency-Token": encode_token(location, 2), "X-Consistency-Wait-Ms": "50"},
    )
    reached = await read.http.get(
        f"/v1/locations/{location}", headers={"X-Consistency-Token": encode_token(location, 1)}
    )
    assert ahead.status_code == 503 and reached.status_code == 200


async def test_a_vehicle_shows_its_home_location(read: ReadSide, fleet: Fleet) -> None:
    first, second = await open_location(fleet), await open_location(fleet)
    vehicle = await fleet.register(location_id=first)
    assert (await read.ok(f"/v1/vehicles/{vehicle}"))["location_id"] == str(first)

    await fleet.run(vehicle, cmd.UpdateVehicleDetails(location_id=second))
    listed = (await read.ok("/v1/vehicles", limit=500))["items"]

    assert next(v for v in listed if v["vehicle_id"] == str(vehicle))["location_id"] == str(second)
    assert (await read.ok(f"/v1/vehicles/{await fleet.register()}"))["location_id"] is None


class LocationHistory:
    """The command service's history of locations, as the healer reads it."""

    def __init__(self, records: list[tuple[LocationEvent, int]]) -> None:
        self.records = records
        self.asked: list[tuple[str, UUID]] = []

    async def history(
        self, kind: str, stream_id: UUID, after_version: int, limit: int = 1000
    ) -> list[tuple[LocationEvent, int]]:
        self.asked.append((kind, stream_id))
        return [r for r in self.records if r[0].location_id == stream_id
                and r[0].version > after_version][:limit]  # fmt: skip


async def test_a_location_event_ahead_of_its_predecessor_is_healed_from_its_history(
    read: ReadSide, fleet: Fleet
) -> None:
    first = opened(fleet)
    records = [(first[0], 10**9 + 1), (updated(fleet, first, name="Renamed")[0], 10**9 + 2)]
    location = first[0].location_id
    applier = await fleet.applier()

    ahead = await applier.apply(records[1:])
    assert ahead.held == records[1:] and not ahead.applied
    (gap,) = ahead.gaps
    assert (gap.kind, gap.id) == ("location", location)

    feed = LocationHistory(records)
    assert await Healer(feed).heal_stream(applier, gap) == 2  # type: ignore[arg-type]
    assert feed.asked == [("location", location)]
    assert (await read.ok(f"/v1/locations/{location}"))["name"] == "Renamed"
