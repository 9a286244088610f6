"""The edge of both services as uvicorn serves them: header limits, response headers."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from shared.kit.http.edge import MAX_HEADER_BYTES, MAX_HEADER_LINE_BYTES
from tests.security.support import assert_problem

SERVICES = ["command", "query"]


def client(service, command, query):
    return command if service == "command" else query


@pytest.mark.parametrize("service", SERVICES)
async def test_a_64_kib_header_gets_431(service, command, query, ledger):
    before = await ledger.counts()
    resp = await client(service, command, query).get(
        "/healthz", headers={"X-Padding": "a" * MAX_HEADER_BYTES}
    )
    assert_problem(resp, 431)
    assert await ledger.counts() == before


@pytest.mark.parametrize("service", SERVICES)
async def test_many_small_headers_over_64_kib_in_total_get_431(service, command, query):
    headers = {f"X-Pad-{n}": "b" * 1000 for n in range(70)}
    resp = await client(service, command, query).get("/healthz", headers=headers)
    assert_problem(resp, 431)


@pytest.mark.parametrize("service", SERVICES)
async def test_headers_within_the_limits_are_served(service, command, query):
    headers = {f"X-Pad-{n}": "c" * (MAX_HEADER_LINE_BYTES - 100) for n in range(3)}
    resp = await client(service, command, query).get("/healthz", headers=headers)
    assert resp.status_code == 200


@pytest.mark.parametrize("service", SERVICES)
async def test_authenticated_answers_are_nosniff_and_no_store_without_a_server_banner(
    service, command, query, manager
):
    path = "/v1/auth/me" if service == "command" else "/v1/vehicles"
    resp = await client(service, command, query).get(path, headers=manager.auth)
    assert resp.status_code == 200, resp.text
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["cache-control"] == "no-store"
    assert "server" not in resp.headers


@pytest.mark.parametrize("service", SERVICES)
async def test_refusals_are_nosniff_and_no_store_too(service, command, query):
    path = "/v1/auth/me" if service == "command" else "/v1/vehicles"
    resp = await client(service, command, query).get(
        path, headers={"Authorization": "Bearer not-a-token"}
    )
    assert_problem(resp, 401)
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["cache-control"] == "no-store"
    assert "server" not in resp.headers


async def test_public_answers_keep_their_own_cache_policy(command):
    resp = await command.get("/.well-known/jwks.json")
    assert resp.headers["cache-control"] == "public, max-age=60"
    assert resp.headers["x-content-type-options"] == "nosniff"


async def test_an_idle_connection_outlives_the_keep_alive_of_the_clients_in_front(deployment):
    """Left idle past uvicorn's default (5 s, which is also httpx's own expiry), a
    connection is still served: the client or proxy in front lets go of it first, so no
    request is sent on a connection as the server closes it (KEEP_ALIVE_S)."""
    never_let_go = httpx.Limits(keepalive_expiry=None)

    async def client_port(http):  # the connection a request went over, by its local port
        answer = await http.get("/healthz")
        assert answer.status_code == 200
        return answer.extensions["network_stream"].get_extra_info("client_addr")[1]

    async def ports_around_a_pause(url):
        async with httpx.AsyncClient(base_url=url, limits=never_let_go) as http:
            first = await client_port(http)
            await asyncio.sleep(6)
            return first, await client_port(http)

    for before, after in await asyncio.gather(
        ports_around_a_pause(deployment.command_url), ports_around_a_pause(deployment.query_url)
    ):
        assert before == after  # one connection: the server had not closed it
