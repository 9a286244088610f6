"""Signing-key rotation without downtime: a new key is published first and signs only
after a delay longer than the query service's JWKS re-fetch gap, old tokens keep working,
and the query service learns the new key without a restart."""

from __future__ import annotations

import asyncio
import time

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.security import forge
from tests.security.conftest import sign_up
from tests.security.support import Person, assert_problem, bearer

QUERY_REFETCH_S = 5.0  # query_service.auth.JwksKeySource(min_refetch_s)
ACTIVATION_S = 6.0  # FLEET_SIGNING_KEY_ACTIVATION_S of the deployment (conftest)


def kid_of(token: str) -> str:
    return str(jwt.get_unverified_header(token)["kid"])


async def rotate(command: httpx.AsyncClient, admin: Person) -> str:
    resp = await command.post("/v1/auth/signing-keys/rotate", headers=admin.auth)
    assert resp.status_code == 200, resp.text
    assert resp.json()["signs_in_s"] == ACTIVATION_S
    return str(resp.json()["kid"])


async def first_token_of(command: httpx.AsyncClient, kid: str) -> str:
    """Sign up until a token comes signed with `kid` (it activates after the delay)."""
    deadline = time.monotonic() + ACTIVATION_S + 3
    while True:
        token = (await sign_up(command, "dora")).access_token
        if kid_of(token) == kid:
            return token
        assert time.monotonic() < deadline, "the rotated-in key never started signing"
        await asyncio.sleep(0.5)


async def published(command: httpx.AsyncClient) -> dict[str, dict]:
    resp = await command.get("/.well-known/jwks.json")
    assert resp.status_code == 200, resp.text
    return {key["kid"]: key for key in resp.json()["keys"]}


async def accepted_everywhere(
    command: httpx.AsyncClient, query: httpx.AsyncClient, token: str
) -> tuple[int, int]:
    on_command = await command.get("/v1/auth/me", headers=bearer(token))
    on_query = await query.get("/v1/bookings", headers=bearer(token))
    return on_command.status_code, on_query.status_code


async def test_the_jwks_publishes_only_public_eddsa_keys(command):
    keys = await published(command)
    assert keys
    for kid, jwk in keys.items():
        assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519" and jwk["alg"] == "EdDSA"
        assert kid and jwk["use"] == "sig"
        assert "d" not in jwk  # never the private half


async def test_the_jwks_needs_no_token(command):
    resp = await command.get("/.well-known/jwks.json")
    assert resp.status_code == 200
    assert "max-age" in resp.headers["cache-control"]


async def test_a_customer_cannot_rotate_keys(command, alice):
    assert_problem(await command.post("/v1/auth/signing-keys/rotate", headers=alice.auth), 403)


async def test_after_rotation_old_and_new_tokens_verify_on_both_services(command, query, admin):
    carol = await sign_up(command, "carol")
    assert await accepted_everywhere(command, query, carol.access_token) == (200, 200)
    old_kid = kid_of(carol.access_token)

    new_kid = await rotate(command, admin)

    assert new_kid != old_kid
    assert {old_kid, new_kid} <= set(await published(command))  # published before it signs
    assert kid_of((await sign_up(command, "erin")).access_token) == old_kid
    assert await accepted_everywhere(command, query, carol.access_token) == (200, 200)
    token = await first_token_of(command, new_kid)
    assert await accepted_everywhere(command, query, token) == (200, 200)  # at once
    assert await accepted_everywhere(command, query, carol.access_token) == (200, 200)


async def test_a_new_key_is_usable_at_once_even_right_after_the_query_service_refetched(
    command, query, admin
):
    """No downtime: the first token of a new key must not be refused because the query
    service happened to refresh its key set moments before the rotation."""
    await asyncio.sleep(QUERY_REFETCH_S + 0.2)  # let the refetch guard lapse, then
    stranger = forge.signed(forge.claims(), Ed25519PrivateKey.generate(), "no-such-kid")
    assert (await query.get("/v1/bookings", headers=bearer(stranger))).status_code == 401
    new_kid = await rotate(command, admin)  # ...the key set was fetched a moment before this
    token = await first_token_of(command, new_kid)
    assert await accepted_everywhere(command, query, token) == (200, 200)


async def test_a_retired_key_signs_no_new_tokens(command, ledger, admin):
    new_kid = await rotate(command, admin)
    await first_token_of(command, new_kid)
    retired = await ledger.pool.fetch(
        "SELECT kid FROM signing_keys WHERE retired_at <= now() ORDER BY created_at"
    )
    assert retired
    carol = await sign_up(command, "carol")
    assert kid_of(carol.access_token) == new_kid
    assert kid_of(carol.access_token) not in {r["kid"] for r in retired}
