"""Organizations (API.md §Organizations and locations): created by platform admins, read by
their members, staffed by their admins, joined by customers; tokens carry `org`."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import jwt
import pytest

from shared.contract.organizations import DEFAULT_ORGANIZATION_ID
from shared.kit.auth.tokens import ALGORITHM, AUDIENCE, ISSUER, TOKEN_TYPE
from tests.integration.conftest import bearer, token_for
from tests.integration.tenancy import (
    PASSWORD,
    PLATFORM_ADMIN,
    ROOT_ADMIN,
    Tenancy,
    claims,
    unique_email,
)


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    return body


def as_unknown(body: dict[str, Any], known: str, unknown: str) -> dict[str, Any]:
    """`body` with the id the request named replaced, to compare with an unknown id's."""
    return {**body, "detail": body["detail"].replace(known, unknown)}


async def test_a_platform_admin_creates_an_organization(tenancy: Tenancy) -> None:
    platform = await tenancy.sign_in(PLATFORM_ADMIN)
    body = {"name": "Acme Rentals", "slug": f"acme-{uuid.uuid4().hex[:8]}"}
    created = await tenancy.http.post("/v1/organizations", json=body, headers=platform.auth)
    assert created.status_code == 201, created.text
    organization = created.json()
    assert set(organization) == {"organization_id", "name", "slug", "payments"}
    assert organization["payments"] == "off"
    assert (organization["name"], organization["slug"]) == (body["name"], body["slug"])
    path = f"/v1/organizations/{organization['organization_id']}"
    read = await tenancy.http.get(path, headers=platform.auth)
    assert read.json() == organization


async def test_a_taken_slug_answers_409(tenancy: Tenancy) -> None:
    platform = await tenancy.sign_in(PLATFORM_ADMIN)
    taken = (await tenancy.organization())["slug"]
    for slug in (taken, "default"):
        body = {"name": "Copycat", "slug": slug}
        again = await tenancy.http.post("/v1/organizations", json=body, headers=platform.auth)
        assert problem(again, 409)["title"] == "Slug taken"


@pytest.mark.parametrize(
    "slug", ["a", "Acme", "-acme", "acme-", "ac_me", "ac me", "acmé", "a" * 64, ""]
)
async def test_a_malformed_slug_answers_422(tenancy: Tenancy, slug: str) -> None:
    platform = await tenancy.sign_in(PLATFORM_ADMIN)
    body = {"name": "Acme", "slug": slug}
    refused = await tenancy.http.post("/v1/organizations", json=body, headers=platform.auth)
    assert [e["field"] for e in problem(refused, 422)["errors"]] == ["slug"]


@pytest.mark.parametrize("slug", ["ab", "acme-rentals-2", "a" * 63, "9-lives"])
async def test_a_slug_of_2_to_63_letters_digits_and_inner_hyphens_is_accepted(
    tenancy: Tenancy, slug: str
) -> None:
    platform = await tenancy.sign_in(PLATFORM_ADMIN)
    body = {"name": "Fine", "slug": slug}
    created = await tenancy.http.post("/v1/organizations", json=body, headers=platform.auth)
    assert created.status_code == 201, created.text


async def test_only_a_platform_admin_creates_organizations(tenancy: Tenancy) -> None:
    admin = await tenancy.sign_in(ROOT_ADMIN)
    customer = await tenancy.customer("default")
    for caller in (admin, customer):
        body = {"name": "Mine", "slug": f"mine-{uuid.uuid4().hex[:8]}"}
        refused = await tenancy.http.post("/v1/organizations", json=body, headers=caller.auth)
        problem(refused, 403)


async def test_an_organization_is_seen_by_its_members_and_is_unknown_to_others(
    tenancy: Tenancy,
) -> None:
    mine, theirs = await tenancy.organization(), await tenancy.organization()
    member = await tenancy.customer(mine["slug"])
    outsider = await tenancy.staff(theirs["organization_id"], "admin")
    own = f"/v1/organizations/{mine['organization_id']}"
    assert (await tenancy.http.get(own, headers=member.auth)).json() == mine
    unknown = str(uuid.uuid4())
    unknown_body = problem(
        await tenancy.http.get(f"/v1/organizations/{unknown}", headers=outsider.auth), 404
    )
    foreign_body = problem(await tenancy.http.get(own, headers=outsider.auth), 404)
    assert as_unknown(foreign_body, mine["organization_id"], unknown) == unknown_body


async def test_an_organizations_admin_and_a_platform_admin_create_its_staff(
    tenancy: Tenancy,
) -> None:
    organization = await tenancy.organization()
    org_id = organization["organization_id"]
    admin = await tenancy.staff(org_id, "admin")
    platform = await tenancy.sign_in(PLATFORM_ADMIN)
    for by, role in ((admin, "fleet_manager"), (platform, "admin")):
        created = await tenancy.add_staff(org_id, role, by)
        assert created.status_code == 201, created.text
        account = created.json()
        assert {"user_id", "email", "name", "role", "organization_id"} <= set(account)
        assert (account["role"], account["organization_id"]) == (role, org_id)
        staffer = await tenancy.sign_in(account["email"])
        assert claims(staffer.access_token)["org"] == org_id


async def test_another_organizations_admin_gets_the_unknown_organization_404(
    tenancy: Tenancy,
) -> None:
    target, other = await tenancy.organization(), await tenancy.organization()
    outsider = await tenancy.staff(other["organization_id"], "admin")
    foreign = await tenancy.add_staff(target["organization_id"], "admin", outsider)
    unknown_id = str(uuid.uuid4())
    unknown = await tenancy.add_staff(unknown_id, "admin", outsider)
    expected = problem(unknown, 404)
    assert as_unknown(problem(foreign, 404), target["organization_id"], unknown_id) == expected


async def test_fleet_managers_and_customers_cannot_create_staff(tenancy: Tenancy) -> None:
    organization = await tenancy.organization()
    org_id = organization["organization_id"]
    manager = await tenancy.staff(org_id, "fleet_manager")
    customer = await tenancy.customer(organization["slug"])
    for caller in (manager, customer):
        problem(await tenancy.add_staff(org_id, "fleet_manager", caller), 403)


async def test_staff_creation_refuses_a_taken_email_and_other_roles(tenancy: Tenancy) -> None:
    org_id = (await tenancy.organization())["organization_id"]
    admin = await tenancy.staff(org_id, "admin")
    taken = await tenancy.add_staff(org_id, "fleet_manager", admin, email=admin.email)
    problem(taken, 409)
    for role in ("customer", "platform_admin", "service"):
        refused = await tenancy.add_staff(org_id, role, admin)
        assert [e["field"] for e in problem(refused, 422)["errors"]] == ["role"]


async def test_a_customer_registers_at_an_organization_by_its_slug(tenancy: Tenancy) -> None:
    organization = await tenancy.organization()
    registered = await tenancy.register(organization["slug"])
    assert registered.status_code == 201, registered.text
    assert registered.json()["organization_id"] == organization["organization_id"]
    customer = await tenancy.sign_in(registered.json()["email"])
    assert customer.organization_id == organization["organization_id"]
    assert claims(customer.access_token)["org"] == organization["organization_id"]


async def test_registering_without_an_organization_joins_default(tenancy: Tenancy) -> None:
    registered = await tenancy.register()
    assert registered.json()["organization_id"] == str(DEFAULT_ORGANIZATION_ID)
    customer = await tenancy.sign_in(registered.json()["email"])
    assert claims(customer.access_token)["org"] == str(DEFAULT_ORGANIZATION_ID)


async def test_registering_at_an_unknown_slug_answers_404_and_stores_nothing(
    tenancy: Tenancy,
) -> None:
    email = unique_email("lost")
    body = {"email": email, "password": PASSWORD, "name": "Lost", "organization": "nowhere-inc"}
    refused = await tenancy.http.post("/v1/auth/register", json=body)
    assert problem(refused, 404)["title"] == "Organization not found"
    pool = tenancy.app.state.pool
    assert await pool.fetchval("SELECT count(*) FROM users WHERE email = $1", email) == 0


async def test_every_account_body_names_its_organization(tenancy: Tenancy) -> None:
    admin = await tenancy.sign_in(ROOT_ADMIN)
    customer = await tenancy.customer("default")
    path = f"/v1/users/{customer.user_id}"
    for response in (
        await tenancy.http.get("/v1/auth/me", headers=customer.auth),
        await tenancy.http.post(f"{path}/role", json={"role": "fleet_manager"}, headers=admin.auth),
        await tenancy.http.post(f"{path}/disable", headers=admin.auth),
        await tenancy.http.post(f"{path}/enable", headers=admin.auth),
    ):
        assert response.json()["organization_id"] == str(DEFAULT_ORGANIZATION_ID), response.text


async def test_a_token_naming_another_organization_than_its_accounts_is_refused(
    tenancy: Tenancy,
) -> None:
    other = uuid.UUID((await tenancy.organization())["organization_id"])
    customer = await tenancy.customer("default")
    identity = tenancy.app.state.identity
    forged = await identity.access_token(uuid.UUID(customer.user_id), "customer", other)
    refused = await tenancy.http.get("/v1/auth/me", headers=bearer(forged))
    assert problem(refused, 401)["detail"].endswith("than the account's")


async def test_a_token_without_org_is_a_default_members_token(tenancy: Tenancy) -> None:
    """Tokens minted before organizations existed stay valid for `default`'s accounts."""
    app = tenancy.app
    member = uuid.uuid4()
    await token_for(app, "customer", member)
    old = await _token_without_org(app, member, "customer")
    me = await tenancy.http.get("/v1/auth/me", headers=bearer(old))
    assert me.json()["organization_id"] == str(DEFAULT_ORGANIZATION_ID), me.text
    elsewhere = uuid.UUID((await tenancy.organization())["organization_id"])
    stranger = uuid.uuid4()
    await token_for(app, "customer", stranger, elsewhere)
    old = await _token_without_org(app, stranger, "customer")
    problem(await tenancy.http.get("/v1/auth/me", headers=bearer(old)), 401)


async def _token_without_org(app: Any, user_id: uuid.UUID, role: str) -> str:
    """A token as the release before organizations signed it (the same key, no `org`)."""
    kid, private = await app.state.identity.keys.signing_key()
    now = int(time.time())
    old_claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(user_id),
        "role": role,
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
        "sid": str(uuid.uuid4()),
        "gen": 0,
    }
    headers = {"kid": kid, "typ": TOKEN_TYPE}
    token: str = jwt.encode(old_claims, private, algorithm=ALGORITHM, headers=headers)
    return token
