"""Only a genuine, current access token gets in, on either service, and nothing is written.

Every forged token claims the admin role, so a verifier that skipped a check would let
the command service register a vehicle (a row in `events`) and the query service answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.integration.conftest import new_vehicle
from tests.security import forge
from tests.security.support import Ledger, Person, assert_unauthenticated, bearer

SERVICES = ["command", "query"]


@dataclass(frozen=True)
class Keys:
    kid: str
    key: Ed25519PrivateKey
    customer_token: str  # a genuine token of a customer, for tampering


@pytest.fixture
async def keys(ledger: Ledger, alice: Person) -> Keys:
    kid, der = await ledger.active_key()
    return Keys(kid, forge.private_key(der), alice.access_token)


async def attempt(
    service: str, command: httpx.AsyncClient, query: httpx.AsyncClient, headers: dict[str, str]
) -> httpx.Response:
    """A write on the command service (if let in), a staff read on the query service."""
    if service == "command":
        return await command.post("/v1/vehicles", json=new_vehicle(), headers=headers)
    return await query.get("/v1/vehicles", headers=headers)


def _expired(k: Keys) -> str:
    now = int(time.time())
    payload = forge.claims(iat=now - 4000, nbf=now - 4000, exp=now - 3100)
    return forge.signed(payload, k.key, k.kid)


FORGERIES: dict[str, Callable[[Keys], str]] = {
    "expired": _expired,
    "tampered signature": lambda k: forge.with_flipped_signature(
        forge.signed(forge.claims(), k.key, k.kid)
    ),
    "tampered payload (customer made admin)": lambda k: forge.with_payload(
        k.customer_token, role="admin"
    ),
    "alg none": lambda k: forge.unsigned(forge.claims(), k.kid),
    "HS256 keyed with the raw public key": lambda k: forge.hmac_signed(
        forge.claims(), k.kid, forge.public_key_secrets(k.key)["raw"]
    ),
    "HS256 keyed with the PEM public key": lambda k: forge.hmac_signed(
        forge.claims(), k.kid, forge.public_key_secrets(k.key)["pem"]
    ),
    "HS256 keyed with the JWK x": lambda k: forge.hmac_signed(
        forge.claims(), k.kid, forge.public_key_secrets(k.key)["jwk-x"]
    ),
    "unknown key, made-up kid": lambda k: forge.signed(
        forge.claims(), Ed25519PrivateKey.generate(), "made-up-kid"
    ),
    "unknown key, real kid": lambda k: forge.signed(
        forge.claims(), Ed25519PrivateKey.generate(), k.kid
    ),
    "wrong issuer": lambda k: forge.signed(forge.claims(iss="https://evil.example"), k.key, k.kid),
    "wrong audience": lambda k: forge.signed(forge.claims(aud="another-api"), k.key, k.kid),
    "missing typ": lambda k: forge.signed(forge.claims(), k.key, k.kid, typ=None),
    "wrong typ (an id token)": lambda k: forge.signed(forge.claims(), k.key, k.kid, typ="JWT"),
    "no kid": lambda k: forge.signed(forge.claims(), k.key, ""),
    "missing exp": lambda k: forge.signed(forge.claims(exp=None), k.key, k.kid),
    "missing jti": lambda k: forge.signed(forge.claims(jti=None), k.key, k.kid),
    "missing session": lambda k: forge.signed(forge.claims(sid=None), k.key, k.kid),
    "missing generation": lambda k: forge.signed(forge.claims(gen=None), k.key, k.kid),
    "generation not a count": lambda k: forge.signed(forge.claims(gen="0"), k.key, k.kid),
    "subject not a user id": lambda k: forge.signed(forge.claims(sub="root"), k.key, k.kid),
    "unknown role": lambda k: forge.signed(forge.claims(role="superuser"), k.key, k.kid),
}

MALFORMED_HEADERS = [
    "Basic YWRtaW46YWRtaW4=",
    "Bearer",
    'Bearer ""',
    "Token abc.def.ghi",
    "Bearer not-a-jwt",
    "Bearer a.b.c",
    "Bearer " + "A" * 4000,
    "Bearer eyJhbGciOiJFZERTQSJ9",
]


@pytest.mark.parametrize("service", SERVICES)
async def test_a_request_without_a_token_is_401_with_a_bearer_challenge(
    service, command, query, ledger
):
    before = await ledger.counts()
    body = assert_unauthenticated(await attempt(service, command, query, {}))
    assert body["title"] == "Not authenticated"
    assert await ledger.counts() == before


@pytest.mark.parametrize("header", MALFORMED_HEADERS)
@pytest.mark.parametrize("service", SERVICES)
async def test_a_malformed_authorization_header_is_401(service, header, command, query, ledger):
    before = await ledger.counts()
    assert_unauthenticated(await attempt(service, command, query, {"Authorization": header}))
    assert await ledger.counts() == before


@pytest.mark.parametrize("forgery", list(FORGERIES))
@pytest.mark.parametrize("service", SERVICES)
async def test_a_forged_or_invalid_token_is_401_and_writes_nothing(
    service, forgery, keys, command, query, ledger
):
    token = FORGERIES[forgery](keys)
    before = await ledger.counts()
    body = assert_unauthenticated(await attempt(service, command, query, bearer(token)))
    assert body["title"] == "Invalid token"
    assert (
        'error="invalid_token"'
        in (await attempt(service, command, query, bearer(token))).headers["www-authenticate"]
    )
    assert await ledger.counts() == before


@pytest.mark.parametrize("service", SERVICES)
async def test_a_token_signed_with_the_real_key_is_accepted_so_the_forgeries_are_meaningful(
    service, keys, command, query, ledger, admin
):
    token = forge.signed(forge.claims(role="admin", sub=admin.user_id), keys.key, keys.kid)
    if service == "command":
        resp = await command.get("/v1/events", params={"limit": 1}, headers=bearer(token))
    else:
        resp = await query.get("/v1/vehicles", headers=bearer(token))
    assert resp.status_code == 200, resp.text


@pytest.mark.parametrize("service", SERVICES)
async def test_the_issued_customer_token_is_accepted_but_its_role_is_enforced(
    service, alice, command, query, ledger
):
    before = await ledger.counts()
    resp = await attempt(service, command, query, alice.auth)
    assert resp.status_code == 403, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert await ledger.counts() == before


async def test_the_command_service_refuses_a_validly_signed_token_of_no_account(
    keys, command, ledger
):
    """Every event's actor exists: a token naming no account cannot act, even when it
    is signed with the real key."""
    token = forge.signed(forge.claims(role="admin"), keys.key, keys.kid)
    before = await ledger.counts()
    resp = await command.post("/v1/vehicles", json=new_vehicle(), headers=bearer(token))
    assert_unauthenticated(resp)
    assert await ledger.counts() == before
