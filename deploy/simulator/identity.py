"""Sign-in for the simulator (API.md §Identity): an admin, a fleet manager, the customers."""

from __future__ import annotations

import asyncio
import secrets

from deploy.simulator.client import Api, Principal, SimulatorError
from deploy.simulator.config import SimConfig
from deploy.simulator.world import MANAGER, Customer
from shared.kit.auth.client import credentials_from

DOMAIN = "simulator.fleetledger.test"


def admin_principal(config: SimConfig) -> Principal:
    """The admin from flags or FLEET_ADMIN_EMAIL/_PASSWORD, else the launcher's
    credentials file (`credentials.json` in FLEET_STATE_DIR, written by `make run`)."""
    if config.admin_email and config.admin_password:
        return Principal("admin", config.admin_email, config.admin_password)
    try:
        found = credentials_from("", "", config.admin_credentials, "admin")
    except (OSError, ValueError, KeyError):  # unreadable or malformed: same advice
        found = None
    if found is None:
        raise SimulatorError(
            f"no admin credentials: pass --admin-email/--admin-password, set "
            f"FLEET_ADMIN_EMAIL/FLEET_ADMIN_PASSWORD or provide {config.admin_credentials} "
            f"(written by make run / make demo)"
        )
    return Principal("admin", found.email, found.password)


async def register(api: Api, who: Principal, name: str) -> str:
    """POST /v1/auth/register; returns the new user's id."""
    body = {"email": who.email, "password": who.password, "name": name}
    resp = await api.send("register_user", None, "POST", "/v1/auth/register", body)
    if resp.status_code != 201:
        raise SimulatorError(f"registering {who.email}: {resp.status_code} {resp.text}")
    return str(resp.json()["user_id"])


async def create_manager(api: Api, admin: Principal, tag: str) -> Principal:
    """A fresh user promoted to fleet_manager by the admin, signed in."""
    manager = Principal(MANAGER, f"sim-{tag}-manager@{DOMAIN}", secrets.token_urlsafe(18))
    user_id = await register(api, manager, "Simulated Fleet Manager")
    path = f"/v1/users/{user_id}/role"
    resp = await api.send("set_role", admin, "POST", path, {"role": "fleet_manager"})
    if resp.status_code != 200:
        raise SimulatorError(f"promoting the fleet manager: {resp.status_code} {resp.text}")
    await api.login(manager)
    return manager


async def _sign_up(api: Api, customer: Customer, tag: str, full_name: str) -> Principal:
    who = Principal(customer.name, f"sim-{tag}-{customer.name}@{DOMAIN}", secrets.token_urlsafe(18))
    customer.customer_id = await register(api, who, full_name)
    await api.login(who)
    return who


async def sign_in_admin(api: Api, config: SimConfig) -> Principal:
    admin = admin_principal(config)
    await api.login(admin)
    return admin


async def sign_in_everyone(
    api: Api, admin: Principal, customers: list[Customer], names: list[str], tag: str
) -> dict[str, Principal]:
    """Principals by actor name: admin, a new fleet manager and one per customer."""
    manager = await create_manager(api, admin, tag)
    signed = await asyncio.gather(
        *(_sign_up(api, c, tag, n) for c, n in zip(customers, names, strict=True))
    )
    return {"admin": admin, MANAGER: manager, **{p.name: p for p in signed}}
