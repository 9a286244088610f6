"""A platform admin runs the installation, not a fleet: the read API shows it nothing."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest_asyncio

from tests.conftest import FakeClock, Issuer
from tests.query.conftest import ReadSide, start_read_side

PARAMETER = re.compile(r"\{(\w+)\}")


@pytest_asyncio.fixture
async def platform(query_dsn: str, clock: FakeClock, issuer: Issuer) -> AsyncIterator[ReadSide]:
    async for read_side in start_read_side(query_dsn, clock, issuer, role="platform_admin"):
        yield read_side


async def test_every_read_of_fleet_data_answers_a_platform_admin_403(
    platform: ReadSide, clock: FakeClock
) -> None:
    vehicle = await platform.fleet.register()
    start = clock.now + timedelta(days=1)
    booking = await platform.fleet.book(vehicle, start, start + timedelta(hours=2))
    ids = {"vehicle_id": vehicle, "booking_id": booking}
    paths = [
        path
        for path, item in platform.app.openapi()["paths"].items()
        if path.startswith("/v1/") and "get" in item
    ]
    assert {"/v1/vehicles", "/v1/bookings/{booking_id}", "/v1/stream"} <= set(paths)
    for path in paths:
        url = PARAMETER.sub(lambda m: str(ids.get(m[1], uuid.uuid4())), path)
        window = {"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}
        answer = await platform.http.get(url, params=window)
        assert answer.status_code == 403, (path, answer.text)
        assert answer.json()["title"] == "Forbidden"
