"""Builds the identity service in the app's lifespan and creates the start-up accounts."""

from __future__ import annotations

import asyncpg
import structlog

from command_service.identity.emails import normalise_email
from command_service.identity.keys import KeyRing
from command_service.identity.passwords import Passwords
from command_service.identity.service import Identity
from command_service.identity.settings import IdentitySettings
from command_service.identity.throttle import Limit, LoginThrottle
from shared.kit.auth.principal import Role

log = structlog.get_logger("command_service.identity")


async def start_identity(pool: asyncpg.Pool, settings: IdentitySettings) -> Identity:
    """Key ring loaded (a first key generated if needed) and bootstrap accounts present."""
    keys = KeyRing(pool, settings.signing_key_activation_s)
    await keys.ensure_signing_key()
    passwords = Passwords(
        settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism
    )
    throttle = LoginThrottle(
        pool,
        per_address=Limit(settings.login_attempts_per_address, settings.login_address_window_s),
        per_account=Limit(settings.login_failures_per_account, settings.login_account_window_s),
        registrations=Limit(settings.registrations_per_address, settings.registration_window_s),
    )
    identity = Identity(pool, keys, passwords, throttle, settings.trusted_proxies)
    await _first_admins(identity, settings)
    if settings.service_account_email and settings.service_account_password:
        email = normalise_email(settings.service_account_email)
        await identity.ensure_account(
            email, settings.service_account_password, "service", reset=True
        )
    return identity


async def _first_admins(identity: Identity, settings: IdentitySettings) -> None:
    """`default`'s first admin and the platform admin the environment names, if absent."""
    wanted: tuple[tuple[str, str, Role], ...] = (
        (settings.bootstrap_admin_email, settings.bootstrap_admin_password, "admin"),
        (
            settings.bootstrap_platform_admin_email,
            settings.bootstrap_platform_admin_password,
            "platform_admin",
        ),
    )
    for address, password, role in wanted:
        if not (address and password):
            continue
        account = await identity.ensure_account(normalise_email(address), password, role, False)
        # An existing account is never overwritten, even when its role differs.
        event = "bootstrap_account_present" if account.role == role else "bootstrap_role_differs"
        log.info(event, user_id=str(account.user_id), role=account.role, wanted=role)
