"""Specs of the location aggregate: open, update, another organization's, the rules."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from command_service.domain.errors import (
    IdAlreadyUsedError,
    InvalidCommandError,
    LocationNotFoundError,
)
from command_service.domain.evolve import CorruptStreamError
from command_service.domain.locations import (
    LocationState,
    OpenLocation,
    UpdateLocation,
    decide_location,
    evolve_location,
    fold_location,
)
from shared.contract.events import LocationOpened, LocationUpdated
from shared.contract.organizations import DEFAULT_ORGANIZATION_ID as ORG
from tests.unit.fakes import NOW, Ids

BRANCH = UUID(int=0xB4A)
OTHER_ORG = UUID(int=0x0A6)
EVENT = UUID(int=0xE000)
BERLIN: dict[str, Any] = {
    "name": "Berlin Hbf", "lat": 52.5251, "lon": 13.3694, "timezone": "Europe/Berlin"
}  # fmt: skip


def opened(**fields: Any) -> LocationState:
    events = decide_location(None, OpenLocation(BRANCH, ORG, **{**BERLIN, **fields}), NOW,
                             Ids(0xE000), BRANCH)  # fmt: skip
    state = fold_location(events)
    assert state is not None
    return state


def update(state: LocationState | None, **fields: Any) -> list[Any]:
    organization = fields.pop("organization", ORG)
    command = UpdateLocation(organization, **fields)
    return decide_location(state, command, NOW, Ids(0xE100), BRANCH)


def test_opens_a_location_with_trimmed_values_as_version_1() -> None:
    command = OpenLocation(BRANCH, ORG, **{**BERLIN, "name": " Berlin Hbf "}, address=" Platz 1 ")
    events = decide_location(None, command, NOW, Ids(0xE000), BRANCH)
    assert events == [
        LocationOpened(
            event_id=EVENT,
            location_id=BRANCH,
            version=1,
            occurred_at=NOW,
            organization_id=ORG,
            **BERLIN,
            address="Platz 1",
        )
    ]
    assert fold_location(events) == LocationState(BRANCH, ORG, 1, **BERLIN, address="Platz 1")


def test_an_update_carries_only_the_fields_that_change() -> None:
    events = update(opened(), name="Berlin Hbf", timezone="Europe/Paris", lat=48.85, lon=13.3694)
    assert events == [
        LocationUpdated(
            event_id=UUID(int=0xE100),
            location_id=BRANCH,
            version=2,
            occurred_at=NOW,
            organization_id=ORG,
            timezone="Europe/Paris",
            lat=48.85,
        )
    ]
    after = evolve_location(opened(), events[0])
    assert (after.version, after.timezone, after.lat, after.name) == (
        2, "Europe/Paris", 48.85, "Berlin Hbf"
    )  # fmt: skip


def test_an_update_that_changes_nothing_decides_nothing() -> None:
    assert update(opened(), name="Berlin Hbf", timezone="Europe/Berlin") == []


def test_another_organizations_location_is_unknown_with_the_same_words() -> None:
    with pytest.raises(LocationNotFoundError) as foreign:
        update(opened(), organization=OTHER_ORG, name="Mine now")
    with pytest.raises(LocationNotFoundError) as unknown:
        update(None, name="Mine now")
    assert str(foreign.value) == str(unknown.value) == f"no location with id {BRANCH}"


def test_an_id_opens_one_location_only() -> None:
    with pytest.raises(IdAlreadyUsedError):
        decide_location(opened(), OpenLocation(BRANCH, ORG, **BERLIN), NOW, Ids(1), BRANCH)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"timezone": "America"}, "timezone"),  # a directory of the database, not a zone
        ({"timezone": "../etc/passwd"}, "timezone"),
        ({"lat": 91.0}, "lat/lon"),
        ({"lon": -181.0}, "lat/lon"),
        ({"name": " "}, "name"),
        ({"name": "x" * 65}, "name"),
        ({"address": " "}, "address"),
    ],
)
def test_refuses_what_breaks_a_rule(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidCommandError) as refused:
        decide_location(None, OpenLocation(BRANCH, ORG, **{**BERLIN, **fields}), NOW, Ids(1),
                        BRANCH)  # fmt: skip
    assert refused.value.field == field


@pytest.mark.parametrize("fields", [{"lat": 1.0}, {"lon": 1.0}, {}])
def test_an_update_moves_lat_and_lon_together_and_sets_something(fields: dict[str, Any]) -> None:
    with pytest.raises(InvalidCommandError):
        update(opened(), **fields)


def test_a_stream_must_start_with_its_opening() -> None:
    later = update(opened(), name="Renamed")[0]
    with pytest.raises(CorruptStreamError):
        fold_location([later])
