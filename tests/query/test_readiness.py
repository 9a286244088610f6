"""A query replica whose consumer is still (re)joining its group serves what is projected:
it is ready, and its readiness says the consumer is joining."""

from __future__ import annotations

import contextlib

import httpx

from deploy.postgres import free_port
from query_service.app import create_app
from query_service.auth import JwksKeySource
from query_service.settings import Settings
from shared.kit.auth.revocations import Revocation, Revocations
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


async def feed_down(after: int) -> tuple[list[Revocation], int]:
    raise OSError("the command service is unreachable")


async def feed_empty(after: int) -> tuple[list[Revocation], int]:
    return [], after


async def test_tokens_are_refused_with_503_until_the_revocation_list_has_loaded(
    query_dsn: str, issuer: Issuer
):
    """Fail closed: a token revoked before this replica started must not slip through."""
    settings = Settings(database_url=query_dsn, consume=False, log_level="WARNING", pool_min=1)
    auth = {"Authorization": f"Bearer {await issuer.token('fleet_manager')}"}
    for feed, status in ((feed_down, 503), (feed_empty, 200)):
        revocations = Revocations(feed)
        with contextlib.suppress(OSError):
            await revocations.poll()
        app = create_app(settings, keys=JwksKeySource(issuer.http), revocations=revocations)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://query") as http:
                answer = await http.get("/v1/vehicles", headers=auth)
        assert answer.status_code == status, answer.text
