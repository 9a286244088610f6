"""Sign-in and sign-up: throttled per client address and per account and address (never
a lockout strangers can cause), silent about which e-mails exist, and blind to the case
and spacing of an address."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
import pytest_asyncio

from command_service.identity.throttle import MAX_DELAY_S
from tests.conftest import Cluster
from tests.security.support import (
    PASSWORD,
    Deployment,
    Ledger,
    assert_problem,
    assert_unauthenticated,
    unique_email,
)

ATTEMPTS_PER_ADDRESS = 5
FAILURES_PER_ACCOUNT = 3
REGISTRATIONS_PER_ADDRESS = 10
OWNER, STRANGER = "198.51.100.2", "203.0.113.7"


@pytest_asyncio.fixture(scope="module")
async def strict(
    cluster: Cluster, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Deployment]:
    """A command service of its own with small sign-in limits (day-long windows, so a
    window boundary cannot fall inside a test), behind a trusted proxy at 127.0.0.1: the
    tests name the client address in X-Forwarded-For as a proxy would."""
    stack = Deployment(
        command_dsn=await cluster.create_database("sec_throttle"),
        query_dsn="",
        log_dir=tmp_path_factory.mktemp("throttle-logs"),
        command_env={
            "FLEET_LOGIN_ATTEMPTS_PER_ADDRESS": str(ATTEMPTS_PER_ADDRESS),
            "FLEET_LOGIN_ADDRESS_WINDOW_S": "86400",
            "FLEET_LOGIN_FAILURES_PER_ACCOUNT": str(FAILURES_PER_ACCOUNT),
            "FLEET_LOGIN_ACCOUNT_WINDOW_S": "86400",
            "FLEET_REGISTRATIONS_PER_ADDRESS": str(REGISTRATIONS_PER_ADDRESS),
            "FLEET_REGISTRATION_WINDOW_S": "86400",
            "FLEET_TRUSTED_PROXIES": "127.0.0.1, ::1",
            "FLEET_ARGON2_TIME_COST": "1",  # hashing strength is not under test here
            "FLEET_ARGON2_MEMORY_KIB": "8192",
        },
    )
    try:
        await stack.start_command()
        yield stack
    finally:
        stack.stop()


@pytest_asyncio.fixture
async def throttled(strict: Deployment) -> AsyncIterator[tuple[httpx.AsyncClient, Ledger]]:
    """A client of the strict service, whose counters start at zero for each test."""
    pool = await asyncpg.create_pool(strict.command_dsn, min_size=1, max_size=2)
    try:
        await pool.execute("DELETE FROM auth_throttle")
        async with httpx.AsyncClient(base_url=strict.command_url, timeout=30) as client:
            yield client, Ledger(pool)
    finally:
        await pool.close()


def via(address: str | None) -> dict[str, str]:
    """The header the trusted proxy adds for a client at `address`."""
    return {} if address is None else {"X-Forwarded-For": address}


async def register(
    command: httpx.AsyncClient, email: str, address: str | None = None
) -> httpx.Response:
    body = {"email": email, "password": PASSWORD, "name": "Someone"}
    return await command.post("/v1/auth/register", json=body, headers=via(address))


async def sign_in(
    command: httpx.AsyncClient, email: str, password: str, address: str | None = None
) -> httpx.Response:
    body = {"email": email, "password": password}
    return await command.post("/v1/auth/token", json=body, headers=via(address))


def assert_refused(response: httpx.Response) -> dict:
    """Wrong credentials: 401 problem, the same whatever was wrong."""
    body = assert_problem(response, 401)
    assert body["title"] == "Invalid credentials"
    return body


def assert_throttled(response: httpx.Response) -> None:
    assert_problem(response, 429)
    assert int(response.headers["retry-after"]) >= 1


async def test_too_many_sign_ins_from_one_address_are_429_with_retry_after(throttled):
    command, ledger = throttled
    email = unique_email()
    assert (await register(command, email)).status_code == 201
    for n in range(ATTEMPTS_PER_ADDRESS):
        assert_refused(await sign_in(command, unique_email(f"guess{n}"), PASSWORD))
    before = await ledger.counts()
    assert_throttled(await sign_in(command, email, PASSWORD))  # even the right password
    assert await ledger.counts() == before


async def test_repeated_failures_from_one_address_stop_that_address_not_the_owner(throttled):
    command, ledger = throttled
    victim = unique_email("victim")
    assert (await register(command, victim)).status_code == 201
    for _ in range(FAILURES_PER_ACCOUNT):
        assert_refused(await sign_in(command, victim, "wrong password!", STRANGER))
    before = await ledger.counts()
    assert_throttled(await sign_in(command, victim, PASSWORD, STRANGER))  # even the right one
    assert await ledger.counts() == before  # no refresh token was issued
    assert (await sign_in(command, victim, PASSWORD, OWNER)).status_code == 200


async def test_a_strangers_50_wrong_passwords_do_not_stop_the_owner_signing_in(throttled):
    command, _ = throttled
    owner = unique_email("owner")
    assert (await register(command, owner)).status_code == 201
    answers = [await sign_in(command, owner, f"guess {n}!!", STRANGER) for n in range(50)]
    assert {a.status_code for a in answers} == {401, 429}
    assert (await sign_in(command, owner, PASSWORD, OWNER)).status_code == 200


async def test_50_wrong_passwords_from_50_addresses_only_slow_the_owner_down(throttled):
    """Failures on an account from anywhere add a capped delay, never a refusal."""
    command, _ = throttled
    owner = unique_email("owner")
    assert (await register(command, owner)).status_code == 201
    guesses = [sign_in(command, owner, "wrong password!", f"192.0.2.{n}") for n in range(1, 51)]
    assert {a.status_code for a in await asyncio.gather(*guesses)} == {401}
    started = time.monotonic()
    assert (await sign_in(command, owner, PASSWORD, OWNER)).status_code == 200
    assert time.monotonic() - started < MAX_DELAY_S + 2


async def test_100_registrations_from_one_address_are_throttled(throttled):
    command, ledger = throttled
    before = (await ledger.counts())["users"]
    answers = [await register(command, unique_email("bulk"), STRANGER) for _ in range(100)]
    created = [a for a in answers if a.status_code == 201]
    assert len(created) == REGISTRATIONS_PER_ADDRESS
    for refused in answers[REGISTRATIONS_PER_ADDRESS:]:
        assert_throttled(refused)
    assert (await ledger.counts())["users"] == before + REGISTRATIONS_PER_ADDRESS
    assert (await register(command, unique_email("elsewhere"), OWNER)).status_code == 201


async def test_addresses_a_client_writes_into_x_forwarded_for_are_not_believed(throttled):
    """Only the trusted proxy's own entry counts: addresses the client wrote to the left
    of it cannot move a throttled client to a fresh counter."""
    command, _ = throttled
    for n in range(ATTEMPTS_PER_ADDRESS):
        assert_refused(await sign_in(command, unique_email(f"guess{n}"), PASSWORD, STRANGER))
    forged = {"X-Forwarded-For": f"10.9.8.7, {STRANGER}"}
    body = {"email": unique_email(), "password": PASSWORD}
    assert_throttled(await command.post("/v1/auth/token", json=body, headers=forged))


async def test_the_account_limit_ignores_the_case_and_spacing_of_the_address(throttled):
    command, _ = throttled
    victim = unique_email("victim")
    assert (await register(command, victim)).status_code == 201
    spellings = [victim.upper(), f"  {victim}  ", victim.capitalize()]
    for spelling in spellings[:FAILURES_PER_ACCOUNT]:
        assert_refused(await sign_in(command, spelling, "wrong password!"))
    assert_throttled(await sign_in(command, victim, PASSWORD))


async def test_an_unknown_email_answers_401_exactly_like_a_wrong_password(command, alice):
    unknown = await sign_in(command, unique_email("nobody"), PASSWORD)
    wrong = await sign_in(command, alice.email, "not the password")
    assert assert_refused(unknown) == assert_refused(wrong)


async def test_a_refused_sign_in_carries_a_bearer_challenge(command):
    """RFC 9110 §15.5.2: a 401 response must send WWW-Authenticate."""
    assert_unauthenticated(await sign_in(command, unique_email("nobody"), PASSWORD))


async def test_a_registered_email_is_normalised_to_lower_case_without_spaces(command, ledger):
    resp = await register(command, " Alice@Example.COM ")
    assert resp.status_code == 201, resp.text
    assert resp.json()["email"] == "alice@example.com"
    stored = await ledger.pool.fetchval(
        "SELECT email FROM users WHERE user_id = $1", resp.json()["user_id"]
    )
    assert stored == "alice@example.com"
    assert (await sign_in(command, "ALICE@example.com", PASSWORD)).status_code == 200


@pytest_asyncio.fixture(scope="module")
async def dora(command: httpx.AsyncClient) -> str:
    resp = await register(command, "dora@example.com")
    assert resp.status_code == 201, resp.text
    return "dora@example.com"


@pytest.mark.parametrize(
    "spelling", ["dora@EXAMPLE.com", "DORA@example.com\t", "\uff24ora@example.com"]
)
async def test_registering_a_taken_address_in_any_spelling_answers_like_a_new_one(
    command, ledger, dora, spelling
):
    """Registration cannot probe which e-mails have accounts: the same 201 and body
    shape, a fresh id, and nothing written."""
    before = await ledger.counts()
    again = await register(command, spelling)
    fresh = await register(command, unique_email("fresh"))
    assert again.status_code == fresh.status_code == 201
    assert set(again.json()) == set(fresh.json())
    assert again.json()["email"] == dora and again.json()["role"] == "customer"
    assert again.headers.keys() - {"x-request-id"} == fresh.headers.keys() - {"x-request-id"}
    assert (await ledger.counts())["users"] == before["users"] + 1  # the fresh one only


async def test_passwords_are_stored_only_as_argon2id_hashes(command, ledger, alice):
    stored = await ledger.pool.fetch("SELECT password_hash FROM users")
    assert stored
    assert all(row["password_hash"].startswith("$argon2id$") for row in stored)
    assert not any(PASSWORD in row["password_hash"] for row in stored)
