"""Readiness reflects the replica: a worker whose relay failed and stepped down (a standby)
still takes commands, so it stays ready and says what the relay is doing."""

from __future__ import annotations

import asyncio
import time

import httpx

from command_service.api.app import create_app
from deploy.postgres import free_port
from tests.conftest import in_process_settings
from tests.integration.conftest import bearer, new_vehicle, token_for


async def test_a_worker_whose_relay_failed_stays_ready_and_takes_commands(command_dsn):
    nobody_listens = f"127.0.0.1:{free_port()}"
    settings = in_process_settings(
        command_dsn, kafka_bootstrap=nobody_listens, relay_poll_interval_s=0.2
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        relay = app.state.relay
        deadline = time.monotonic() + 30
        while relay.last_error is None:
            assert time.monotonic() < deadline, "the relay never met the missing broker"
            await asyncio.sleep(0.1)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://command") as http:
            ready = await http.get("/readyz")
            assert ready.status_code == 200, ready.text
            assert ready.json()["relay"]["state"] in {"leading", "standby"}
            assert ready.json()["relay"]["last_error"]
            auth = bearer(await token_for(app, "fleet_manager"))
            written = await http.post("/v1/vehicles", json=new_vehicle(), headers=auth)
            assert written.status_code == 201, written.text
