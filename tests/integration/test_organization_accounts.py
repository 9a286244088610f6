"""Account administration per organization: an admin reaches only its organization's
accounts, a platform admin any organization's accounts but no fleet data."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from command_service.identity import users
from deploy.services import ROOT
from shared.contract.organizations import DEFAULT_ORGANIZATION_ID
from shared.kit.auth.principal import Principal
from tests.conftest import Cluster
from tests.integration.conftest import new_vehicle
from tests.integration.tenancy import PASSWORD, PLATFORM_ADMIN, ROOT_ADMIN, Person, Tenancy

ACTIONS = (("role", {"role": "fleet_manager"}), ("disable", None), ("enable", None))


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    return body


async def act(tenancy: Tenancy, by: Person, user_id: str, action: str, body: Any) -> httpx.Response:
    return await tenancy.http.post(f"/v1/users/{user_id}/{action}", json=body, headers=by.auth)


async def test_the_bootstrap_environment_creates_a_platform_admin_in_default(
    tenancy: Tenancy,
) -> None:
    platform = await tenancy.sign_in(PLATFORM_ADMIN)
    me = (await tenancy.http.get("/v1/auth/me", headers=platform.auth)).json()
    assert (me["role"], me["organization_id"]) == ("platform_admin", str(DEFAULT_ORGANIZATION_ID))
    unknown = await tenancy.add_staff(str(uuid.uuid4()), "admin", platform)
    assert problem(unknown, 404)["title"] == "Organization not found"


async def test_an_admin_cannot_change_roles_or_disable_accounts_of_another_organization(
    tenancy: Tenancy,
) -> None:
    theirs = await tenancy.organization()
    victim = await tenancy.customer(theirs["slug"])
    admin = await tenancy.sign_in(ROOT_ADMIN)  # `default`'s admin
    unknown = str(uuid.uuid4())
    for action, body in (*ACTIONS, ("password", {"password": "a brand new passphrase"})):
        foreign = problem(await act(tenancy, admin, victim.user_id, action, body), 404)
        expected = problem(await act(tenancy, admin, unknown, action, body), 404)
        assert {**foreign, "detail": foreign["detail"].replace(victim.user_id, unknown)} == expected
    row = await tenancy.app.state.pool.fetchrow(
        "SELECT role, disabled_at FROM users WHERE user_id = $1", uuid.UUID(victim.user_id)
    )
    assert (row["role"], row["disabled_at"]) == ("customer", None)
    assert (await tenancy.http.get("/v1/auth/me", headers=victim.auth)).status_code == 200


async def test_an_admin_administers_the_accounts_of_its_own_organization(
    tenancy: Tenancy,
) -> None:
    organization = await tenancy.organization()
    admin = await tenancy.staff(organization["organization_id"], "admin")
    member = await tenancy.customer(organization["slug"])
    for action, body in ACTIONS:
        done = await act(tenancy, admin, member.user_id, action, body)
        assert done.status_code == 200, done.text
        assert done.json()["organization_id"] == organization["organization_id"]


async def test_a_platform_admin_administers_accounts_of_any_organization(
    tenancy: Tenancy,
) -> None:
    organization = await tenancy.organization()
    member = await tenancy.customer(organization["slug"])
    platform = await tenancy.sign_in(PLATFORM_ADMIN)
    for action, body in ACTIONS:
        done = await act(tenancy, platform, member.user_id, action, body)
        assert done.status_code == 200, done.text


async def test_no_admin_reaches_a_platform_admins_account(tenancy: Tenancy) -> None:
    platform = await tenancy.sign_in(PLATFORM_ADMIN)
    for who in (await tenancy.sign_in(ROOT_ADMIN), platform):
        problem(await act(tenancy, who, platform.user_id, "disable", None), 404)
    problem(await act(tenancy, platform, platform.user_id, "role", {"role": "admin"}), 404)


async def test_nobody_gives_the_platform_admin_role_over_the_api(tenancy: Tenancy) -> None:
    customer = await tenancy.customer("default")
    for who in (await tenancy.sign_in(ROOT_ADMIN), await tenancy.sign_in(PLATFORM_ADMIN)):
        refused = await act(tenancy, who, customer.user_id, "role", {"role": "platform_admin"})
        problem(refused, 422)


async def test_an_organizations_last_admin_cannot_be_demoted_whatever_other_orgs_have(
    tenancy: Tenancy,
) -> None:
    organization = await tenancy.organization()
    only = await tenancy.staff(organization["organization_id"], "admin")
    demoted = await act(tenancy, only, only.user_id, "role", {"role": "fleet_manager"})
    assert problem(demoted, 409)["title"] == "Last admin"
    problem(await act(tenancy, only, only.user_id, "disable", None), 409)


async def test_a_platform_admin_sees_no_fleet_data(tenancy: Tenancy) -> None:
    root = await tenancy.sign_in(ROOT_ADMIN)
    platform = await tenancy.sign_in(PLATFORM_ADMIN)
    assert not Principal(uuid.UUID(platform.user_id), "platform_admin").is_staff
    registered = await tenancy.http.post("/v1/vehicles", json=new_vehicle(), headers=root.auth)
    vehicle_id = registered.json()["vehicle_id"]
    for method, path, body in (
        ("GET", f"/v1/vehicles/{vehicle_id}/history", None),
        ("GET", "/v1/events", None),
        ("POST", "/v1/vehicles", new_vehicle()),
        ("POST", f"/v1/vehicles/{vehicle_id}/retire", {"reason": "curious"}),
    ):
        refused = await tenancy.http.request(method, path, json=body, headers=platform.auth)
        problem(refused, 403)


async def test_only_installation_operators_read_the_revocation_feed(tenancy: Tenancy) -> None:
    other = await tenancy.staff((await tenancy.organization())["organization_id"], "admin")
    problem(await tenancy.http.get("/v1/auth/revocations", headers=other.auth), 403)
    for operator in (ROOT_ADMIN, PLATFORM_ADMIN):
        who = await tenancy.sign_in(operator)
        read = await tenancy.http.get("/v1/auth/revocations", headers=who.auth)
        assert read.status_code == 200, read.text


async def test_member_answers_only_for_an_account_of_that_organization(
    tenancy: Tenancy,
) -> None:
    organization = await tenancy.organization()
    org_id = uuid.UUID(organization["organization_id"])
    customer = uuid.UUID((await tenancy.customer(organization["slug"])).user_id)
    manager = uuid.UUID((await tenancy.staff(str(org_id), "fleet_manager")).user_id)
    pool = tenancy.app.state.pool
    found = await users.member(pool, customer, org_id, "customer")
    assert found is not None and found.user_id == customer
    assert await users.member(pool, customer, DEFAULT_ORGANIZATION_ID) is None
    assert await users.member(pool, manager, org_id, "customer") is None
    assert (await users.member(pool, manager, org_id)) is not None
    assert await users.member(pool, uuid.uuid4(), org_id) is None


async def test_an_insert_that_names_no_organization_fails(db: asyncpg.Connection) -> None:
    with pytest.raises(asyncpg.NotNullViolationError):
        await db.execute(
            "INSERT INTO users (user_id, email, name, password_hash, role)"
            " VALUES ($1, 'nobody@example.org', 'Nobody', '!', 'customer')",
            uuid.uuid4(),
        )


async def _cli(dsn: str, *args: str) -> tuple[int, str]:
    env = {**os.environ, "FLEET_NEW_USER_PASSWORD": PASSWORD, "FLEET_LOG_LEVEL": "WARNING"}
    proc = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "command_service.identity.cli", "--database-url", dsn, *args],
        cwd=ROOT,
        env=env,
        stderr=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode is not None
    return proc.returncode, (out + err).decode()


async def test_the_cli_creates_an_organization_its_admin_and_a_platform_admin(
    cluster: Cluster,
) -> None:
    dsn = await cluster.create_database("cli_orgs")
    steps = (
        ("create-organization", "--slug", "acme", "--name", "Acme"),
        ("create-user", "--email", "boss@acme.example", "--organization", "acme"),
        ("create-platform-admin", "--email", "Host@Platform.Example"),
    )
    for step in steps:
        code, said = await _cli(dsn, *step)
        assert code == 0, said
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT u.email, u.role, o.slug FROM users u JOIN organizations o USING"
            " (organization_id) ORDER BY u.email"
        )
    finally:
        await conn.close()
    assert [tuple(row) for row in rows] == [
        ("boss@acme.example", "admin", "acme"),
        ("host@platform.example", "platform_admin", "default"),
    ]
    code, said = await _cli(dsn, "create-organization", "--slug", "acme", "--name", "Again")
    assert code == 1 and "taken" in said
    code, said = await _cli(dsn, "create-organization", "--slug", "Bad_Slug", "--name", "Bad")
    assert code == 1 and "slug" in said
