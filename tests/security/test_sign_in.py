"""Sign-in: throttled per client address and per account, silent about which e-mails
exist, and blind to the case and spacing of an address."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
import pytest_asyncio

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


@pytest_asyncio.fixture(scope="module")
async def strict(
    cluster: Cluster, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Deployment]:
    """A command service of its own with small sign-in limits (day-long windows, so a
    window boundary cannot fall inside a test)."""
    stack = Deployment(
        command_dsn=await cluster.create_database("sec_throttle"),
        query_dsn="",
        log_dir=tmp_path_factory.mktemp("throttle-logs"),
        command_env={
            "FLEET_LOGIN_ATTEMPTS_PER_ADDRESS": str(ATTEMPTS_PER_ADDRESS),
            "FLEET_LOGIN_ADDRESS_WINDOW_S": "86400",
            "FLEET_LOGIN_FAILURES_PER_ACCOUNT": str(FAILURES_PER_ACCOUNT),
            "FLEET_LOGIN_ACCOUNT_WINDOW_S": "86400",
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


async def register(command: httpx.AsyncClient, email: str) -> httpx.Response:
    body = {"email": email, "password": PASSWORD, "name": "Someone"}
    return await command.post("/v1/auth/register", json=body)


async def sign_in(command: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await command.post("/v1/auth/token", json={"email": email, "password": password})


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


async def test_repeated_failures_lock_an_account_even_against_the_right_password(throttled):
    command, ledger = throttled
    victim, bystander = unique_email("victim"), unique_email("bystander")
    for email in (victim, bystander):
        assert (await register(command, email)).status_code == 201
    for _ in range(FAILURES_PER_ACCOUNT):
        assert_refused(await sign_in(command, victim, "wrong password!"))
    before = await ledger.counts()
    assert_throttled(await sign_in(command, victim, PASSWORD))
    assert await ledger.counts() == before  # no refresh token was issued
    assert (await sign_in(command, bystander, PASSWORD)).status_code == 200


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
async def test_registering_an_address_again_in_another_spelling_is_409(
    command, ledger, dora, spelling
):
    before = await ledger.counts()
    assert_problem(await register(command, spelling), 409)
    assert await ledger.counts() == before


async def test_passwords_are_stored_only_as_argon2id_hashes(command, ledger, alice):
    stored = await ledger.pool.fetch("SELECT password_hash FROM users")
    assert stored
    assert all(row["password_hash"].startswith("$argon2id$") for row in stored)
    assert not any(PASSWORD in row["password_hash"] for row in stored)
