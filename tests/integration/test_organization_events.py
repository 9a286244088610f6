"""The event log of two organizations: feed, history, stored organization and old events.

Events stored before organizations existed (schema 1, no `organization_id`) are never
rewritten: they read, feed and relay as `default`'s, in the current schema.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx

from command_service.store import feed
from command_service.store.event_store import event_from_row
from shared.contract.kafka_record import to_record
from shared.contract.organizations import DEFAULT_ORGANIZATION_ID
from shared.contract.serialization import dumps
from tests.integration.conftest import Other, bearer, new_vehicle, register, token_for
from tests.security.test_foreign_ids import normalized


async def _feed(api: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    resp = await api.get("/v1/events", params={"limit": 5000}, headers=headers)
    assert resp.status_code == 200, resp.text
    return list(resp.json()["items"])


async def _service(api: httpx.AsyncClient) -> dict[str, str]:
    return bearer(await token_for(api.app, "service"))  # type: ignore[attr-defined]


async def _theirs(api: httpx.AsyncClient, other: Other) -> str:
    resp = await api.post("/v1/vehicles", json=new_vehicle(), headers=other.admin)
    assert resp.status_code == 201, resp.text
    return str(resp.json()["vehicle_id"])


async def test_the_feed_holds_only_the_callers_organization(api: httpx.AsyncClient, other: Other):
    mine, theirs = await register(api), await _theirs(api, other)
    for headers, org, present, absent in (
        ({}, DEFAULT_ORGANIZATION_ID, mine, theirs),
        (other.admin, other.organization_id, theirs, mine),
    ):
        items = await _feed(api, headers)
        assert {i["data"]["organization_id"] for i in items} == {str(org)}
        vehicles = {i["vehicle_id"] for i in items}
        assert present in vehicles and absent not in vehicles
    assert {mine, theirs} <= {i["vehicle_id"] for i in await _feed(api, await _service(api))}


async def test_another_organizations_history_answers_like_an_unknown_vehicle(
    api: httpx.AsyncClient, other: Other
):
    theirs, unknown = await _theirs(api, other), str(uuid.uuid4())
    hidden = await api.get(f"/v1/vehicles/{theirs}/history")
    alike = await api.get(f"/v1/vehicles/{unknown}/history")
    assert hidden.status_code == 404
    assert normalized(hidden, theirs) == normalized(alike, unknown)
    for headers in (other.admin, await _service(api)):
        resp = await api.get(f"/v1/vehicles/{theirs}/history", headers=headers)
        assert resp.status_code == 200 and len(resp.json()["items"]) == 1


async def test_another_organizations_position_is_no_cursor_for_the_feed(
    api: httpx.AsyncClient, other: Other
):
    await _theirs(api, other)
    theirs = (await _feed(api, other.admin))[-1]["global_position"]
    beyond = 10**12
    answers = []
    for position in (theirs, beyond):
        resp = await api.get("/v1/events", params={"after": position})
        assert resp.status_code == 422, resp.text
        answers.append(resp.text.replace(f"position {position}", "position <n>"))
    assert answers[0] == answers[1]


async def test_every_stored_event_records_its_organization(api: httpx.AsyncClient, other: Other):
    theirs = await _theirs(api, other)
    pool: asyncpg.Pool = api.app.state.pool  # type: ignore[attr-defined]
    stored = await pool.fetchrow(
        "SELECT organization_id, schema_version FROM events WHERE stream_id = $1",
        uuid.UUID(theirs),
    )
    assert (stored["organization_id"], stored["schema_version"]) == (other.organization_id, 2)


async def _store_schema_1_vehicle(pool: asyncpg.Pool) -> uuid.UUID:
    """A VehicleRegistered as the release before organizations stored it, inserted raw."""
    vehicle_id = uuid.uuid4()
    data = {**new_vehicle(), "home": None}
    metadata = {"correlation_id": "old", "causation_id": "old", "actor": "admin:old"}
    await pool.execute(
        "INSERT INTO events (stream_id, version, event_id, event_type, data, metadata,"
        " occurred_at) VALUES ($1, 1, $2, 'VehicleRegistered', $3::jsonb, $4::jsonb, $5)",
        vehicle_id,
        uuid.uuid4(),
        dumps(data).decode(),
        dumps(metadata).decode(),
        datetime(2029, 1, 1, tzinfo=UTC),
    )
    return vehicle_id


async def test_events_stored_before_organizations_read_as_defaults_in_the_current_schema(
    api: httpx.AsyncClient, other: Other
):
    pool: asyncpg.Pool = api.app.state.pool  # type: ignore[attr-defined]
    old = str(await _store_schema_1_vehicle(pool))
    raw = await pool.fetchrow("SELECT schema_version, data FROM events WHERE stream_id = $1", old)
    assert raw["schema_version"] == 1 and "organization_id" not in raw["data"]

    fed = [i for i in await _feed(api, {}) if i["vehicle_id"] == old]
    assert [(i["schema_version"], i["data"]["organization_id"]) for i in fed] == [
        (2, str(DEFAULT_ORGANIZATION_ID))
    ]
    history = (await api.get(f"/v1/vehicles/{old}/history")).json()["items"]
    assert history[0]["data"]["organization_id"] == str(DEFAULT_ORGANIZATION_ID)
    assert old not in {i["vehicle_id"] for i in await _feed(api, other.admin)}
    after = await pool.fetchval("SELECT schema_version FROM events WHERE stream_id = $1", old)
    assert after == 1  # read as the current schema, never rewritten


async def test_relayed_records_carry_their_events_organization(
    api: httpx.AsyncClient, other: Other
):
    pool: asyncpg.Pool = api.app.state.pool  # type: ignore[attr-defined]
    old, theirs = await _store_schema_1_vehicle(pool), uuid.UUID(await _theirs(api, other))
    rows = {r["stream_id"]: r for r in await feed.rows_after(pool, "0", 0, 100_000)}
    for stream, org in ((old, DEFAULT_ORGANIZATION_ID), (theirs, other.organization_id)):
        row = rows[stream]  # the relay's own path: a stored row, its event, its record
        event = event_from_row(stream, row)
        record = to_record(event, row["global_position"], row["metadata"]["correlation_id"])
        assert event.organization_id == org
        assert dict(record.headers)["ce_organization"] == str(org).encode()
