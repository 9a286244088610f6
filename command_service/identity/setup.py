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
    if settings.bootstrap_admin_email and settings.bootstrap_admin_password:
        email = normalise_email(settings.bootstrap_admin_email)
        admin = await identity.ensure_account(
            email, settings.bootstrap_admin_password, "admin", reset=False
        )
        log.info("bootstrap_admin_present", user_id=str(admin.user_id), email=email)
    if settings.service_account_email and settings.service_account_password:
        email = normalise_email(settings.service_account_email)
        await identity.ensure_account(
            email, settings.service_account_password, "service", reset=True
        )
    return identity
