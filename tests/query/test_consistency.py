"""X-Consistency-Token: a read waits until the projections include the write it names."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from command_service.domain import commands as cmd
from shared.contract.consistency import encode_token
from tests.query.conftest import Fleet, ReadSide, iso

TOKEN, WAIT = "X-Consistency-Token", "X-Consistency-Wait-Ms"


async def test_a_token_ahead_of_the_projections_answers_503_after_the_wait(
    read: ReadSide, fleet: Fleet
) -> None:
    vehicle_id = await fleet.register()
    started = time.monotonic()

    response = await read.http.get(
        f"/v1/vehicles/{vehicle_id}",
        headers={TOKEN: encode_token(vehicle_id, 2), WAIT: "100"},
    )

    assert time.monotonic() - started >= 0.1
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.headers["content-type"] == "application/problem+json"
    assert (response.json()["wanted_version"], response.json()["projected_version"]) == (2, 1)


async def test_a_token_the_projections_reached_answers_at_once(
    read: ReadSide, fleet: Fleet
) -> None:
    vehicle_id = await fleet.register()

    response = await read.http.get(
        f"/v1/vehicles/{vehicle_id}", headers={TOKEN: encode_token(vehicle_id, 1), WAIT: "0"}
    )

    assert response.status_code == 200


async def test_a_read_waits_for_the_write_and_then_sees_it(read: ReadSide, fleet: Fleet) -> None:
    vehicle_id = await fleet.register()
    token = encode_token(vehicle_id, 2)
    reading = asyncio.create_task(
        read.http.get(f"/v1/vehicles/{vehicle_id}", headers={TOKEN: token, WAIT: "3000"})
    )
    await asyncio.sleep(0.05)
    assert not reading.done()

    await fleet.run(vehicle_id, cmd.ChangeVehicleStatus("inactive", "winter"))

    response = await reading
    assert response.status_code == 200
    assert response.json()["status"] == "inactive"


async def test_a_malformed_token_is_a_400_problem(read: ReadSide) -> None:
    response = await read.http.get("/v1/bookings", headers={TOKEN: "v1.not-a-token"})

    assert response.status_code == 400
    assert response.json()["type"] == "urn:fleetledger:problem:malformed-consistency-token"


@pytest.mark.parametrize("wait", ["-1", "10001", "soon"])
async def test_an_invalid_wait_is_a_422_problem(read: ReadSide, wait: str) -> None:
    token = encode_token(uuid.uuid4(), 1)

    response = await read.http.get("/v1/bookings", headers={TOKEN: token, WAIT: wait})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == WAIT


async def test_every_read_route_honours_the_token(read: ReadSide, fleet: Fleet) -> None:
    token = encode_token(uuid.uuid4(), 1)
    window = {"start": iso(fleet.at(days=1)), "end": iso(fleet.at(days=2))}
    paths = [path for path in read.app.openapi()["paths"] if path.startswith("/v1/")]
    assert len(paths) >= 12
    for path in paths:
        concrete = "/".join(
            str(uuid.uuid4()) if part.startswith("{") else part for part in path.split("/")
        )

        response = await read.http.get(concrete, params=window, headers={TOKEN: token, WAIT: "0"})

        assert response.status_code == 503, path
