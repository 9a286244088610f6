"""GET /v1/stream: projected changes as Server-Sent Events, over a real HTTP server."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from collections.abc import AsyncIterator

import fastapi.routing
import httpx
import pytest
import uvicorn

from query_service.api.changes import APPLICATION_NAME, ChangeFeed, Notice
from shared.contract.organizations import DEFAULT_ORGANIZATION_ID
from shared.contract.serialization import loads
from tests.query.conftest import Fleet, ReadSide
from tests.waiting import until

# Only stops a hang: `make test` runs this tier at nice 19 beside the pipeline tier
# (tools/test_tiers.py), where a 5-s read and a 10-s bound each ran out once, in a trial
# with one worker beside it instead of two.
STREAM_WITHIN_S = 30.0


@contextlib.asynccontextmanager
async def serving(read: ReadSide) -> AsyncIterator[httpx.AsyncClient]:
    """The app (lifespan already running) behind uvicorn on a free loopback port."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(read.app, lifespan="off", log_level="warning")
    config.timeout_graceful_shutdown = 1
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    await until(lambda: server.started, timeout_s=STREAM_WITHIN_S, every_s=0.01)
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", timeout=STREAM_WITHIN_S, headers=read.http.headers
        ) as client:
            yield client
    finally:
        server.should_exit = True
        await task
        sock.close()


async def next_message(lines: AsyncIterator[str]) -> list[str]:
    """The lines of the next SSE message (up to its blank line)."""
    message: list[str] = []
    async for line in lines:
        if line == "" and message:
            return message
        if line:
            message.append(line)
    return message


def fields_of(message: list[str]) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in message)


async def test_a_projected_event_arrives_on_the_stream_of_its_vehicle(
    read: ReadSide, fleet: Fleet
) -> None:
    watched, other = await fleet.register(), await fleet.register()
    async with serving(read) as client, asyncio.timeout(STREAM_WITHIN_S):
        params = {"vehicle_id": str(watched), "unknown": "fine"}
        async with client.stream("GET", "/v1/stream", params=params) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            lines = response.aiter_lines()
            await fleet.hold(other, fleet.at(hours=1), fleet.at(hours=2))
            hold_id = await fleet.hold(watched, fleet.at(hours=1), fleet.at(hours=2))

            # the registration may still be on its way: read up to the hold
            messages = [fields_of(await next_message(lines))]
            while loads(messages[-1]["data"])["event_type"] != "HoldPlaced":
                messages.append(fields_of(await next_message(lines)))

    assert {loads(m["data"])["vehicle_id"] for m in messages} == {str(watched)}
    event, position = fleet.events[-1]
    assert (messages[-1]["event"], messages[-1]["id"]) == ("change", str(position))
    data = loads(messages[-1]["data"])
    assert (data["version"], data["global_position"]) == (event.version, position)
    assert {"kind": "hold", "id": str(hold_id)} in data["changes"]


async def test_an_idle_stream_sends_heartbeat_comments(
    read: ReadSide, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fastapi.routing, "_PING_INTERVAL", 0.05)
    async with (
        serving(read) as client,
        asyncio.timeout(STREAM_WITHIN_S),
        client.stream("GET", "/v1/stream") as response,
    ):
        message = await next_message(response.aiter_lines())

    assert message == [": ping"]


async def test_a_closed_stream_unsubscribes(read: ReadSide) -> None:
    feed: ChangeFeed = read.app.state.changes
    async with serving(read) as client, asyncio.timeout(STREAM_WITHIN_S):
        async with client.stream("GET", "/v1/stream") as response:
            assert response.status_code == 200
            assert feed.stats()["subscribers"] == 1
        await until(
            lambda: feed.stats()["subscribers"] == 0, timeout_s=STREAM_WITHIN_S, every_s=0.01
        )


async def test_a_slow_subscriber_is_dropped_without_holding_back_the_others() -> None:
    feed = ChangeFeed("postgresql://unused", capacity=2)
    slow, fast = feed.subscribe(None), feed.subscribe(None)
    vehicle = str(uuid.uuid4())
    received = []

    for position in range(1, 4):
        feed.publish(Notice(vehicle, position, "{}", str(DEFAULT_ORGANIZATION_ID)))
        received.append(await anext(fast))

    assert [n.position for n in received] == [1, 2, 3]
    assert slow.closed and [n async for n in slow] == []
    assert feed.stats() == {"subscribers": 1, "dropped": 1}


async def test_a_vehicle_filter_skips_other_vehicles() -> None:
    feed = ChangeFeed("postgresql://unused", capacity=2)
    mine = uuid.uuid4()
    subscription = feed.subscribe(DEFAULT_ORGANIZATION_ID, mine)
    org = str(DEFAULT_ORGANIZATION_ID)

    feed.publish(Notice(str(uuid.uuid4()), 1, "{}", org))
    feed.publish(Notice(str(mine), 2, "{}", org))

    assert (await anext(subscription)).position == 2


async def test_a_subscriber_receives_only_its_organizations_changes() -> None:
    feed = ChangeFeed("postgresql://unused", capacity=5)
    ours, theirs = uuid.uuid4(), uuid.uuid4()
    mine, everything = feed.subscribe(ours), feed.subscribe(None)  # None: the service role

    feed.publish(Notice(str(uuid.uuid4()), 1, "{}", str(theirs)))
    feed.publish(Notice(str(uuid.uuid4()), 2, "{}", str(ours)))

    assert (await anext(mine)).position == 2
    assert [(await anext(everything)).position for _ in range(2)] == [1, 2]


async def test_a_lost_listen_connection_ends_the_streams_and_comes_back(
    read: ReadSide, fleet: Fleet
) -> None:
    feed: ChangeFeed = read.app.state.changes
    vehicle_id = await fleet.register()
    before = feed.subscribe(DEFAULT_ORGANIZATION_ID, vehicle_id)

    await fleet.conn.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE application_name = $1 AND datname = current_database()",
        APPLICATION_NAME,
    )

    async with asyncio.timeout(STREAM_WITHIN_S):
        async for _ in before:  # notices delivered before the loss, then the end
            pass
        assert before.closed  # ended: notices may have been missed meanwhile
        await until(lambda: feed.listening, timeout_s=STREAM_WITHIN_S, every_s=0.01)
        after = feed.subscribe(DEFAULT_ORGANIZATION_ID, vehicle_id)
        await fleet.hold(vehicle_id, fleet.at(hours=1), fleet.at(hours=2))
        assert (await anext(after)).position == fleet.events[-1][1]
