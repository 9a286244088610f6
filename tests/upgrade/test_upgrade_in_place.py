"""Upgrade in place: an event store written by the release before organizations keeps working.

Issue 14, "How it is shown": the old store is upgraded and replayed; the read models
equal a fresh rebuild's, the old contract's requests still pass, nothing stored is
rewritten, and the old accounts belong to `default` (its admin is default's admin).
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, time, timedelta
from typing import Any

import asyncpg
import httpx

from command_service.store.migrate import migrate
from shared.contract.organizations import DEFAULT_ORGANIZATION_ID, DEFAULT_ORGANIZATION_SLUG
from shared.contract.upcasting import CURRENT_SCHEMA
from tests.pipeline.stack import assert_equals_rebuild, wait_caught_up
from tests.upgrade import fixture_rows
from tests.upgrade.conftest import Upgraded, digest, old_migrations
from tests.upgrade.fixture_rows import Fixture

DEFAULT = str(DEFAULT_ORGANIZATION_ID)
# Append-only logs: the old answer must still be their beginning.
LOGS = ("/history", "/v1/events")


def contains(old: Any, new: Any, where: str = "") -> list[str]:
    """Where `new` does not answer what `old` did: every old field with its old value
    (fields may be added, none renamed or changed); lists keep their order and length."""
    if isinstance(old, dict):
        if not isinstance(new, dict):
            return [f"{where}: {new!r} is no object"]
        missing = [f"{where}.{k}: gone" for k in old if k not in new]
        return missing + [
            p for k in old if k in new for p in contains(old[k], new[k], f"{where}.{k}")
        ]
    if isinstance(old, list):
        if not isinstance(new, list) or len(new) != len(old):
            return [f"{where}: {len(old)} items became {new!r:.200}"]
        return [
            p
            for i, (a, b) in enumerate(zip(old, new, strict=True))
            for p in contains(a, b, f"{where}[{i}]")
        ]
    return [] if old == new else [f"{where}: {old!r} became {new!r}"]


def as_answered(old: dict[str, Any], new: dict[str, Any], path: str) -> list[str]:
    """`contains`; a log's answer must begin with the old items (it may have grown, and
    its cursor moved with it). The one documented change: logs serve events upcast to
    the current schema (docs/organizations.md), so an item stored as schema 1 now says
    `schema_version: 2` and its data gained `organization_id`; all else is as before."""
    if path.endswith(LOGS):
        upcast = [_read_as_schema_1(item) for item in new["items"][: len(old["items"])]]
        old, new = {"items": old["items"]}, {"items": upcast}
    return contains(old, new)


def _read_as_schema_1(item: dict[str, Any]) -> dict[str, Any]:
    """A log item as it reads before its upcast to schema 2, which must be the default
    organization's."""
    if item.get("schema_version") != CURRENT_SCHEMA:
        return item
    assert item["data"]["organization_id"] == DEFAULT, item
    return {**item, "schema_version": 1}


async def stored_events(dsn: str) -> list[dict[str, Any]]:
    conn = await fixture_rows.utc(await asyncpg.connect(dsn))
    try:
        rows = await conn.fetch(
            "SELECT to_jsonb(e)::text FROM events AS e ORDER BY global_position"
        )
    finally:
        await conn.close()
    return [json.loads(r[0]) for r in rows]


def test_the_old_release_ran_exactly_the_migrations_this_tree_ships_unchanged(
    old_store: Fixture,
):
    names = [m["name"] for m in old_store.header["migrations"]]
    assert names[0].startswith("0001_") and len(names) == len(set(names)) >= 7
    edited = [m["name"] for m in old_store.header["migrations"] if digest(m["name"]) != m["sha256"]]
    assert not edited, f"applied migrations must never be edited: {edited}"


async def test_the_fixture_restores_onto_the_old_schema_row_for_row(cluster, old_store, tmp_path):
    dsn = await cluster.create_database("upgrade_restore")
    conn = await asyncpg.connect(dsn)
    try:
        await migrate(conn, old_migrations(old_store, tmp_path / "old"))
        await fixture_rows.restore(conn, old_store)
        restored = await fixture_rows.dump(conn)
    finally:
        await conn.close()
    assert restored == [(t, row) for t in fixture_rows.TABLES for row in old_store.rows[t]]
    assert 20 <= len(old_store.events) <= 100, "a realistic, small history"


async def test_no_stored_event_is_rewritten_by_the_upgrade(upgraded: Upgraded):
    stored = await stored_events(upgraded.stack.command_dsn)
    old = upgraded.fixture.events
    assert len(stored) >= len(old)
    as_stored_now = [
        {k: row.get(k) for k in before} for row, before in zip(stored, old, strict=False)
    ]
    assert as_stored_now == old
    assert {row["schema_version"] for row in stored[: len(old)]} == {1}


async def test_the_read_models_equal_a_fresh_rebuild_of_the_upgraded_log(upgraded: Upgraded):
    await wait_caught_up(upgraded.stack)
    assert await assert_equals_rebuild(upgraded.stack) > 0


async def test_every_old_record_is_projected_into_the_default_organization(upgraded: Upgraded):
    conn = await asyncpg.connect(upgraded.stack.query_dsn)
    try:
        schema = await conn.fetchval("SELECT schema_name FROM public.read_model_active")
        tables = [
            r[0]
            for r in await conn.fetch(
                "SELECT table_name FROM information_schema.columns"
                " WHERE table_schema = $1 AND column_name = 'organization_id'",
                schema,
            )
        ]
        owners = {
            t: await conn.fetch(f"SELECT DISTINCT organization_id FROM {schema}.{t}")
            for t in tables
        }
    finally:
        await conn.close()
    assert "vehicles" in tables, f"read models without an organization: {tables}"
    assert {t: [str(r[0]) for r in rows] for t, rows in owners.items() if rows} == {
        t: [DEFAULT] for t, rows in owners.items() if rows
    }


async def test_the_old_accounts_are_members_of_default_and_its_admin_is_defaults_admin(
    upgraded: Upgraded, http: httpx.AsyncClient
):
    roles = {"admin": "admin", "manager": "fleet_manager", "customer": "customer"}
    for who, role in roles.items():
        me = await http.get(
            f"{upgraded.stack.command_url}/v1/auth/me", headers=await upgraded.auth(http, who)
        )
        assert me.status_code == 200, me.text
        assert (me.json()["role"], me.json()["organization_id"]) == (role, DEFAULT), who
    conn = await asyncpg.connect(upgraded.stack.command_dsn)
    try:
        owners = await conn.fetch("SELECT email, organization_id::text AS org FROM users")
    finally:
        await conn.close()
    old_emails = {row["email"] for row in upgraded.fixture.rows["users"]}
    assert {r["email"]: r["org"] for r in owners if r["email"] in old_emails} == dict.fromkeys(
        old_emails, DEFAULT
    )
    admin = await upgraded.auth(http, "admin")
    default = await http.get(
        f"{upgraded.stack.command_url}/v1/organizations/{DEFAULT}", headers=admin
    )
    assert default.status_code == 200, default.text
    assert default.json()["slug"] == DEFAULT_ORGANIZATION_SLUG


async def test_every_recorded_read_of_the_old_contract_answers_as_before(
    upgraded: Upgraded, http: httpx.AsyncClient
):
    tokens = {who: await upgraded.auth(http, who) for who in ("admin", "manager", "customer")}
    stack, differences = upgraded.stack, []
    for asked in upgraded.fixture.header["answers"]:
        base = stack.command_url if asked["service"] == "command" else stack.query_url
        resp = await http.get(
            base + asked["path"], params=asked["params"], headers=tokens[asked["as"]]
        )
        if resp.status_code != 200:
            differences.append(
                f"GET {asked['path']} as {asked['as']}: {resp.status_code} {resp.text[:300]}"
            )
            continue
        differences += [
            f"GET {asked['path']}{p}"
            for p in as_answered(asked["body"], resp.json(), asked["path"])
        ]
    assert len(upgraded.fixture.header["answers"]) >= 20
    assert not differences, "\n".join(differences[:40])


async def test_the_old_fleet_is_listed_to_its_manager(upgraded: Upgraded, http: httpx.AsyncClient):
    manager = await upgraded.auth(http, "manager")
    resp = await http.get(f"{upgraded.stack.query_url}/v1/vehicles", headers=manager)
    assert resp.status_code == 200, resp.text
    old = {v for k, v in upgraded.fixture.header["ids"].items() if k.startswith("vehicle")}
    assert old <= {item["vehicle_id"] for item in resp.json()["items"]}


def days_ahead(days: int, hour: int) -> str:
    day = datetime.now(UTC).date() + timedelta(days=days)
    return datetime.combine(day, time(hour), UTC).isoformat()


async def test_an_old_client_still_books_and_cancels_with_the_old_bodies(
    upgraded: Upgraded, http: httpx.AsyncClient
):
    stack, ada = upgraded.stack, await upgraded.auth(http, "customer")
    vehicle = upgraded.fixture.header["ids"]["vehicle2"]
    window = {"vehicle_id": vehicle, "start": days_ahead(20, 10), "end": days_ahead(20, 12)}
    booked = await http.post(f"{stack.command_url}/v1/bookings", json=window, headers=ada)
    assert booked.status_code == 201, booked.text
    body = booked.json()
    assert (body["status"], body["price_cents"], body["currency"]) == ("confirmed", 2400, "EUR")
    assert booked.headers["etag"] == f'"{body["version"]}"'
    read = await http.get(
        f"{stack.query_url}/v1/bookings/{body['booking_id']}",
        headers={**ada, "X-Consistency-Token": body["consistency_token"]},
    )
    assert read.status_code == 200, read.text
    assert read.json()["status"] == "confirmed"
    cancel = f"{stack.command_url}/v1/bookings/{body['booking_id']}/cancel"
    cancelled = await http.post(cancel, json={"reason": "plans changed"}, headers=ada)
    assert cancelled.status_code == 200, cancelled.text
    assert (cancelled.json()["status"], cancelled.json()["refund_cents"]) == ("cancelled", 2400)
    await asyncio.wait_for(wait_caught_up(stack), 60)
