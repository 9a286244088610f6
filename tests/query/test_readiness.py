"""A query replica whose consumer is still (re)joining its group serves what is projected:
it is ready, and its readiness says the consumer is joining."""

from __future__ import annotations

import httpx

from deploy.postgres import free_port
from query_service.app import create_app
from query_service.auth import JwksKeySource
from query_service.settings import Settings
from tests.conftest import Issuer


async def test_a_replica_whose_consumer_has_not_joined_yet_is_ready_and_says_so(
    query_dsn: str, issuer: Issuer
):
    settings = Settings(
        database_url=query_dsn,
        kafka_bootstrap=f"127.0.0.1:{free_port()}",  # no broker yet: the group never forms
        log_level="WARNING",
        pool_min=1,
    )
    app = create_app(settings, keys=JwksKeySource(issuer.http))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://query") as http:
            ready = await http.get("/readyz")
            assert ready.status_code == 200, ready.text
            assert ready.json()["consumer"]["state"] == "joining"
            auth = {"Authorization": f"Bearer {await issuer.token('fleet_manager')}"}
            assert (await http.get("/v1/vehicles", headers=auth)).status_code == 200
