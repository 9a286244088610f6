"""`GET /v1/events/heads`: the feed's walk as the streams it went past, not their events.

A page of heads covers exactly the events a page of the feed would, and names each
stream once with its kind and the last version the page holds; `recorded_before` ends
the walk at the first event stored at or after it. The query service's healer compares
these heads with what it applied (tests/query/test_feed_healer.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx

from tests.integration.conftest import Other, bearer, book, new_vehicle, register, token_for


async def _feed(api: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    resp = await api.get("/v1/events", params={"limit": 5000, **params})
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


async def _heads(api: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    resp = await api.get("/v1/events/heads", params={"limit": 5000, **params})
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def _last_versions(items: list[dict[str, Any]]) -> dict[str, int]:
    return {item["vehicle_id"]: item["version"] for item in items}


async def test_heads_name_each_stream_once_with_its_last_version_in_the_page(api, clock):
    vehicle = await register(api)
    for hours in (10, 20):
        start, end = clock.now + timedelta(hours=hours), clock.now + timedelta(hours=hours + 1)
        assert (await book(api, vehicle, start.isoformat(), end.isoformat())).status_code == 201
    await register(api)
    page, heads = await _feed(api), await _heads(api)

    assert (heads["next_after"], heads["covered"]) == (page["next_after"], len(page["items"]))
    assert {h["stream_id"]: h["version"] for h in heads["streams"]} == _last_versions(page["items"])
    assert len(heads["streams"]) == len(_last_versions(page["items"]))
    assert {h["stream"] for h in heads["streams"]} == {"vehicle"}
    assert _last_versions(page["items"])[vehicle] == 3

    first = await _heads(api, limit=1)
    rest = await _heads(api, after=first["next_after"])
    assert first["covered"] + rest["covered"] == heads["covered"]
    assert rest["next_after"] == heads["next_after"]
    assert await _heads(api, after=heads["next_after"]) == {
        "streams": [], "next_after": heads["next_after"], "covered": 0
    }  # fmt: skip


async def test_heads_stop_at_the_first_event_stored_at_or_after_recorded_before(api):
    for _ in range(4):
        await register(api)
    items = (await _feed(api))["items"]
    stored = [datetime.fromisoformat(item["recorded_at"]) for item in items]
    before = stored[-2]
    kept = next(i for i, at in enumerate(stored) if at >= before)

    heads = await _heads(api, recorded_before=before.isoformat())
    assert heads["covered"] == kept
    assert heads["next_after"] == items[kept - 1]["global_position"]
    assert {h["stream_id"]: h["version"] for h in heads["streams"]} == _last_versions(items[:kept])
    earliest = (stored[0] - timedelta(seconds=1)).isoformat()
    assert await _heads(api, recorded_before=earliest) == {
        "streams": [], "next_after": 0, "covered": 0
    }  # fmt: skip


async def test_heads_of_an_organization_name_only_its_streams(api, other: Other):
    mine = await register(api)
    theirs = await api.post("/v1/vehicles", json=new_vehicle(), headers=other.admin)
    assert theirs.status_code == 201, theirs.text
    theirs_id = theirs.json()["vehicle_id"]
    service = bearer(await token_for(api.app, "service"))

    def streams(heads: dict[str, Any]) -> set[str]:
        return {h["stream_id"] for h in heads["streams"]}

    assert mine in streams(await _heads(api)) and theirs_id not in streams(await _heads(api))
    resp = await api.get("/v1/events/heads", headers=other.admin)
    assert streams(resp.json()) == {theirs_id}
    resp = await api.get("/v1/events/heads", params={"limit": 5000}, headers=service)
    assert {mine, theirs_id} <= streams(resp.json())


async def test_bad_heads_parameters_are_refused_with_a_problem(api):
    await register(api)
    for params, field in (
        ({"after": 10**12}, "after"), ({"limit": 0}, "limit"), ({"limit": 20001}, "limit"),
        ({"recorded_before": "2026-11-28T10:00:00"}, "recorded_before"),  # no offset
        ({"recorded_before": "yesterday"}, "recorded_before"),
    ):  # fmt: skip
        resp = await api.get("/v1/events/heads", params=params)
        assert resp.status_code == 422, params
        assert resp.headers["content-type"] == "application/problem+json"
        assert field in resp.text, resp.text
    manager = bearer(await token_for(api.app, "fleet_manager"))
    assert (await api.get("/v1/events/heads", headers=manager)).status_code == 403
