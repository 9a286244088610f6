"""Organizations and the people in them, made through the command API (in process)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import jwt

from command_service.identity.settings import IdentitySettings

PASSWORD = "correct horse battery staple"
ROOT_ADMIN = "root@fleet.example"  # `default`'s admin, from the bootstrap environment
PLATFORM_ADMIN = "platform@fleet.example"


def identity_settings() -> IdentitySettings:
    """Both bootstrap admins; every test signs in from one address; cheap hashes."""
    return IdentitySettings(
        bootstrap_admin_email=ROOT_ADMIN,
        bootstrap_admin_password=PASSWORD,
        bootstrap_platform_admin_email=PLATFORM_ADMIN,
        bootstrap_platform_admin_password=PASSWORD,
        login_attempts_per_address=10_000,
        registrations_per_address=10_000,
        argon2_time_cost=1,
        argon2_memory_kib=8192,
        argon2_parallelism=1,
    )


def claims(access_token: str) -> dict[str, Any]:
    """The claims of a token (its signature is the service's business)."""
    found: dict[str, Any] = jwt.decode(access_token, options={"verify_signature": False})
    return found


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def unique_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.org"


@dataclass
class Person:
    user_id: str
    email: str
    organization_id: str
    access_token: str

    @property
    def auth(self) -> dict[str, str]:
        return bearer(self.access_token)


@dataclass
class Tenancy:
    """A client with no token of its own, and the steps that make organizations and people."""

    http: httpx.AsyncClient
    app: Any

    async def sign_in(self, email: str) -> Person:
        body = {"email": email, "password": PASSWORD}
        pair = await self.http.post("/v1/auth/token", json=body)
        assert pair.status_code == 200, pair.text
        token = pair.json()["access_token"]
        me = await self.http.get("/v1/auth/me", headers=bearer(token))
        assert me.status_code == 200, me.text
        account = me.json()
        return Person(account["user_id"], email, account["organization_id"], token)

    async def organization(self) -> dict[str, Any]:
        """A new organization, created by the platform admin."""
        slug = f"org-{uuid.uuid4().hex[:10]}"
        platform = await self.sign_in(PLATFORM_ADMIN)
        body = {"name": f"Operator {slug}", "slug": slug}
        created = await self.http.post("/v1/organizations", json=body, headers=platform.auth)
        assert created.status_code == 201, created.text
        found: dict[str, Any] = created.json()
        return found

    async def add_staff(
        self, organization_id: str, role: str, by: Person, email: str | None = None
    ) -> httpx.Response:
        body = {
            "email": email or unique_email(role),
            "password": PASSWORD,
            "name": f"A {role}",
            "role": role,
        }
        path = f"/v1/organizations/{organization_id}/staff"
        return await self.http.post(path, json=body, headers=by.auth)

    async def staff(self, organization_id: str, role: str = "admin") -> Person:
        """A signed-in staff member of the organization, created by the platform admin."""
        platform = await self.sign_in(PLATFORM_ADMIN)
        created = await self.add_staff(organization_id, role, platform)
        assert created.status_code == 201, created.text
        return await self.sign_in(created.json()["email"])

    async def register(self, organization: str | None = None) -> httpx.Response:
        body = {"email": unique_email("customer"), "password": PASSWORD, "name": "A customer"}
        if organization is not None:
            body["organization"] = organization
        return await self.http.post("/v1/auth/register", json=body)

    async def customer(self, slug: str) -> Person:
        """A signed-in customer who registered at the organization with `slug`."""
        registered = await self.register(slug)
        assert registered.status_code == 201, registered.text
        return await self.sign_in(registered.json()["email"])
