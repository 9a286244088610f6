"""The feed healer's anti-entropy walk, against the command app's real feed.

The walk reads stream heads (`GET /v1/events/heads`) from its cursor and heals, from its
history, every stream whose head is past what the generation applied: the events the
topic never delivered are applied, streams that are up to date cost nothing, and events
younger than the grace are left to the topic.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
import pytest_asyncio

from query_service import healer as healer_module
from query_service.applier import PageApplier
from query_service.feed_client import CommandFeed
from query_service.healer import Healer
from tests.integration.conftest import book, command_api, register
from tests.query.conftest import ReadSide


@pytest_asyncio.fixture
async def command(command_dsn: str, clock: Any) -> AsyncIterator[httpx.AsyncClient]:
    async for client in command_api(command_dsn, clock):
        yield client


def requested(client: httpx.AsyncClient) -> list[str]:
    """The paths `client` requests from now on."""
    paths: list[str] = []

    async def note(request: httpx.Request) -> None:
        paths.append(request.url.path)

    client.event_hooks["request"].append(note)
    return paths


async def _tracked(applier: PageApplier) -> dict[UUID, int]:
    rows = await applier.conn.fetch("SELECT stream_id, version FROM stream_tracking")
    return {row["stream_id"]: row["version"] for row in rows}


async def _cursor(applier: PageApplier) -> int:
    return int(await applier.conn.fetchval("SELECT after_position FROM feed_cursor"))


async def test_the_walk_heals_what_the_topic_never_delivered_and_then_nothing(
    command: httpx.AsyncClient, read: ReadSide, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(healer_module, "HEADS_PAGE", 2)  # several pages of heads
    monkeypatch.setattr(healer_module, "PAGE", 1)  # a history per stream: fewer requests
    vehicles = [await register(command) for _ in range(3)]
    start = clock.now + timedelta(hours=5)
    booked = await book(
        command, vehicles[0], start.isoformat(), (start + timedelta(hours=1)).isoformat()
    )
    assert booked.status_code == 201, booked.text
    feed = CommandFeed("http://command", None, http=command)
    log, end = await feed.page(0, 5000)
    applier = await read.fleet.applier()
    # the topic delivered the second vehicle's events and the first one's registration
    delivered = [
        (event, position) for event, position in log
        if str(event.stream_id) == vehicles[1]
        or (str(event.stream_id), event.version) == (vehicles[0], 1)
    ]  # fmt: skip
    assert len((await applier.apply(delivered)).applied) == 2
    asked = requested(command)
    healer = Healer(feed, grace_s=0)

    assert await healer.catch_up(applier) == len(log) - 2
    assert await _tracked(applier) == {event.stream_id: event.version for event, _ in log}
    assert await _cursor(applier) == end
    histories = {path.split("/")[3] for path in asked if path.endswith("/history")}
    assert histories == {vehicles[0], vehicles[2]}  # not the one that is up to date
    assert all(path.startswith("/v1/events/heads") for path in asked if "history" not in path)
    listed = (await read.ok("/v1/vehicles", limit=500))["items"]
    assert {v["vehicle_id"] for v in listed} == set(vehicles)

    asked.clear()
    assert await healer.catch_up(applier) == 0
    assert set(asked) == {"/v1/events/heads"}


async def test_the_walk_leaves_events_younger_than_the_grace_to_the_topic(
    command: httpx.AsyncClient, read: ReadSide
) -> None:
    await register(command)
    applier = await read.fleet.applier()
    feed = CommandFeed("http://command", None, http=command)
    cursor = await _cursor(applier)

    assert await Healer(feed, grace_s=3600).catch_up(applier) == 0
    assert await _cursor(applier) == cursor
    assert await Healer(feed, grace_s=0).catch_up(applier) > 0


async def test_many_streams_behind_are_refilled_from_the_feeds_pages_not_one_by_one(
    command: httpx.AsyncClient, read: ReadSide, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(healer_module, "HEADS_PAGE", 3)  # 3 streams behind in 3 events
    for _ in range(4):
        await register(command)
    feed = CommandFeed("http://command", None, http=command)
    log, _ = await feed.page(0, 5000)
    applier = await read.fleet.applier()
    tracked = await _tracked(applier)
    missing = [event for event, _ in log if event.version > tracked.get(event.stream_id, 0)]
    asked = requested(command)

    assert await Healer(feed, grace_s=0).catch_up(applier) == len(missing) >= 4
    assert await _tracked(applier) == {event.stream_id: event.version for event, _ in log}
    assert not [path for path in asked if path.endswith("/history")]
    assert "/v1/events" in asked
