"""The simulated clock (dev/demo only): shared by the workers, forward only, not in production."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio

from command_service.api.app import create_app
from command_service.settings import Settings
from query_service.devclock import FollowedClock
from query_service.settings import Settings as QuerySettings
from shared.kit.settings import UnsafeSettingsError
from tests.conftest import in_process_settings
from tests.integration.conftest import (
    add_account,
    add_organization,
    bearer,
    new_vehicle,
    token_for,
)


@pytest_asyncio.fixture
async def sim_api(command_dsn: str, clock: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The command app in demo mode with the simulated clock (starting at the fake clock),
    signed in as an admin."""
    settings = in_process_settings(command_dsn, environment="demo", clock="simulated")
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        headers = bearer(await token_for(app))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://command", headers=headers
        ) as client:
            client.app = app  # type: ignore[attr-defined]
            yield client


async def _now(api: httpx.AsyncClient) -> datetime:
    resp = await api.get("/v1/dev/clock")
    assert resp.status_code == 200
    return datetime.fromisoformat(resp.json()["now"])


async def _advance(api: httpx.AsyncClient, to: datetime) -> httpx.Response:
    return await api.put("/v1/dev/clock", json={"now": to.isoformat()})


async def _advance_as(
    api: httpx.AsyncClient, to: datetime, headers: dict[str, str]
) -> httpx.Response:
    return await api.put("/v1/dev/clock", json={"now": to.isoformat()}, headers=headers)


async def _vehicle(api: httpx.AsyncClient) -> str:
    resp = await api.post("/v1/vehicles", json=new_vehicle())
    assert resp.status_code == 201, resp.text
    return str(resp.json()["vehicle_id"])


async def _set_elsewhere(db: asyncpg.Connection, to: datetime) -> None:
    """What another worker's PUT does: write the shared row."""
    await db.execute(
        "INSERT INTO dev_clock (now) VALUES ($1) ON CONFLICT (singleton) DO UPDATE SET now = $1", to
    )


def _window(start: datetime, hours: float = 2) -> dict[str, str]:
    return {"start": start.isoformat(), "end": (start + timedelta(hours=hours)).isoformat()}


def test_production_refuses_a_simulated_clock() -> None:
    with pytest.raises(UnsafeSettingsError, match="simulated"):
        Settings(environment="production", clock="simulated")


def test_unknown_modes_are_refused() -> None:
    with pytest.raises(UnsafeSettingsError):
        Settings(environment="staging")
    with pytest.raises(UnsafeSettingsError):
        Settings(environment="dev", clock="sundial")


def test_production_app_has_no_clock_routes(command_dsn: str) -> None:
    app = create_app(Settings(database_url=command_dsn))
    assert not any(getattr(r, "path", "").startswith("/v1/dev") for r in app.routes)


async def test_clock_starts_at_the_start_clock_and_moves_forward(
    sim_api: httpx.AsyncClient, clock: Any
) -> None:
    before = await _now(sim_api)
    assert before >= clock.now
    resp = await _advance(sim_api, before + timedelta(hours=1))
    assert resp.status_code == 200
    assert datetime.fromisoformat(resp.json()["now"]) == before + timedelta(hours=1)
    assert await _now(sim_api) == before + timedelta(hours=1)


async def test_advancing_moves_booking_validation_time(
    sim_api: httpx.AsyncClient, customer_id: str
) -> None:
    vehicle_id = await _vehicle(sim_api)
    now = await _now(sim_api)
    start = now + timedelta(hours=1)
    assert (await _advance(sim_api, now + timedelta(hours=2))).status_code == 200
    late = await sim_api.post(
        "/v1/bookings",
        json={"vehicle_id": vehicle_id, "customer_id": customer_id, **_window(start)},
    )
    assert late.status_code == 422
    assert late.json()["errors"][0]["field"] == "start"
    later = now + timedelta(hours=3)
    ok = await sim_api.post(
        "/v1/bookings",
        json={"vehicle_id": vehicle_id, "customer_id": customer_id, **_window(later)},
    )
    assert ok.status_code == 201, ok.text


async def test_going_backwards_is_409_and_leaves_the_clock(sim_api: httpx.AsyncClient) -> None:
    now = await _now(sim_api)
    resp = await _advance(sim_api, now - timedelta(seconds=1))
    assert resp.status_code == 409
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert await _now(sim_api) == now


@pytest.mark.parametrize("role", ["customer", "fleet_manager"])
async def test_only_an_admin_moves_the_clock(sim_api: httpx.AsyncClient, role: str) -> None:
    now = await _now(sim_api)
    headers = bearer(await token_for(sim_api.app, role))  # type: ignore[attr-defined]
    resp = await _advance_as(sim_api, now + timedelta(hours=1), headers)
    assert resp.status_code == 403
    assert (await sim_api.put("/v1/dev/clock", json={"now": now.isoformat()})).status_code == 200


async def test_another_organizations_admin_cannot_move_everyones_clock(
    sim_api: httpx.AsyncClient,
) -> None:
    app: Any = sim_api.app  # type: ignore[attr-defined]
    admin = bearer(await token_for(app, "admin", organization_id=await add_organization(app)))
    now = await _now(sim_api)
    assert (await _advance_as(sim_api, now + timedelta(hours=1), admin)).status_code == 403
    assert await _now(sim_api) == now


async def test_bad_clock_input_is_422(sim_api: httpx.AsyncClient) -> None:
    for body in ({"now": "tomorrow"}, {"now": "2031-01-01T00:00:00"}, {}, {"now": 1, "x": 2}):
        resp = await sim_api.put("/v1/dev/clock", json=body)
        assert resp.status_code == 422, body


async def test_commands_see_a_clock_another_worker_moved(
    sim_api: httpx.AsyncClient, db: asyncpg.Connection, customer_id: str
) -> None:
    vehicle_id = await _vehicle(sim_api)
    now = await _now(sim_api)
    await _set_elsewhere(db, now + timedelta(days=1))
    booking = {"vehicle_id": vehicle_id, "customer_id": customer_id}
    resp = await sim_api.post("/v1/bookings", json={**booking, **_window(now + timedelta(hours=3))})
    assert resp.status_code == 422  # decided against the other worker's now


async def test_database_refuses_to_move_the_clock_backwards(
    sim_api: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    await _set_elsewhere(db, await _now(sim_api))
    with pytest.raises(asyncpg.CheckViolationError):
        await db.execute("UPDATE dev_clock SET now = now - interval '1 second'")


async def test_a_hold_expires_by_the_sweeper_after_advancing(
    sim_api: httpx.AsyncClient, db: asyncpg.Connection, customer_id: str
) -> None:
    vehicle_id = await _vehicle(sim_api)
    now = await _now(sim_api)
    hold = await sim_api.post(
        "/v1/holds",
        json={
            "vehicle_id": vehicle_id,
            "customer_id": customer_id,
            "ttl_seconds": 900,
            **_window(now + timedelta(hours=4)),
        },
    )
    assert hold.status_code == 201, hold.text
    sweeper = sim_api.app.state.sweeper  # type: ignore[attr-defined]
    assert await sweeper.sweep_once() == 0
    # Another worker moves the clock: the sweeper refreshes it before it sweeps.
    await _set_elsewhere(db, now + timedelta(minutes=16))
    assert await sweeper.sweep_once() == 1
    types = await db.fetch(
        "SELECT event_type, occurred_at FROM events WHERE stream_id = $1 ORDER BY version",
        hold.json()["vehicle_id"],
    )
    assert [r["event_type"] for r in types][-1] == "HoldExpired"
    assert types[-1]["occurred_at"] == now + timedelta(minutes=16)


@pytest_asyncio.fixture
async def customer_id(sim_api: httpx.AsyncClient) -> str:
    """An account of the admin's organization (staff book only for their own)."""
    return str(await add_account(sim_api.app))  # type: ignore[attr-defined]


async def test_the_feed_account_may_read_the_clock_but_not_move_it(
    sim_api: httpx.AsyncClient, clock: Any
) -> None:
    service = bearer(await token_for(sim_api.app, "service"))  # type: ignore[attr-defined]
    assert (await sim_api.get("/v1/dev/clock", headers=service)).status_code == 200
    later = clock.now + timedelta(hours=1)
    assert (await _advance_as(sim_api, later, service)).status_code == 403


async def test_the_query_service_follows_the_simulated_clock(
    sim_api: httpx.AsyncClient, clock: Any
) -> None:
    """Read-time figures (no-shows, expired holds) must use the simulated now too."""
    service = bearer(await token_for(sim_api.app, "service"))  # type: ignore[attr-defined]
    transport = httpx.ASGITransport(app=sim_api.app)  # type: ignore[attr-defined]
    async with httpx.AsyncClient(
        transport=transport, base_url="http://command", headers=service
    ) as http:
        followed = FollowedClock(http)
        target = clock.now + timedelta(days=3)
        assert (await _advance(sim_api, target)).status_code == 200
        await followed.refresh()
    assert followed() == target


def test_the_query_service_refuses_a_simulated_clock_in_production() -> None:
    with pytest.raises(UnsafeSettingsError, match="simulated"):
        QuerySettings(clock="simulated")
    assert QuerySettings(environment="demo", clock="simulated").simulated_clock
