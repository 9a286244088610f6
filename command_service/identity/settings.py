"""Identity settings: hashing cost, sign-in limits and the accounts created at start-up."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_settings import NoDecode

from shared.kit.http.client_address import Network, parse_proxies
from shared.kit.settings import (
    CommandDatabaseUrl,
    FleetSettings,
    ServiceAccountEmail,
    ServiceAccountPassword,
    var,
)


def _proxies(value: Any) -> Any:
    return parse_proxies(value) if isinstance(value, str) else value


TrustedProxies = Annotated[
    tuple[Network, ...],
    NoDecode,  # a comma-separated list, not JSON
    BeforeValidator(_proxies),
    var(
        "FLEET_TRUSTED_PROXIES",
        (),
        "Proxies (addresses or CIDR blocks, comma-separated) whose `X-Forwarded-For` names "
        "the client; none by default ([docs/identity.md](docs/identity.md)).",
    ),
]


class IdentitySettings(FleetSettings):
    """Part of the command service's settings (FLEET_ARGON2_*, FLEET_LOGIN_*, accounts)."""

    argon2_time_cost: int = var("FLEET_ARGON2_TIME_COST", 3, "argon2id passes.")
    # RFC 9106's second recommended option: t=3, 64 MiB.
    argon2_memory_kib: int = var("FLEET_ARGON2_MEMORY_KIB", 65536, "argon2id memory (KiB).")
    argon2_parallelism: int = var("FLEET_ARGON2_PARALLELISM", 4, "argon2id lanes.")
    signing_key_activation_s: float = var(
        "FLEET_SIGNING_KEY_ACTIVATION_S",
        30.0,
        "A rotated-in signing key is published this long before it signs (more than the "
        "verifiers' re-fetch gap).",
    )
    login_attempts_per_address: int = var(
        "FLEET_LOGIN_ATTEMPTS_PER_ADDRESS",
        60,
        "Sign-in attempts per client address per `FLEET_LOGIN_ADDRESS_WINDOW_S` (then 429).",
    )
    login_address_window_s: int = var(
        "FLEET_LOGIN_ADDRESS_WINDOW_S", 60, "Window of the per-address sign-in limit."
    )
    login_failures_per_account: int = var(
        "FLEET_LOGIN_FAILURES_PER_ACCOUNT",
        10,
        "Failed sign-ins per account and client address per `FLEET_LOGIN_ACCOUNT_WINDOW_S` "
        "(then 429); failures on the account from anywhere only delay its sign-ins.",
    )
    login_account_window_s: int = var(
        "FLEET_LOGIN_ACCOUNT_WINDOW_S", 15 * 60, "Window of the per-account failure limit."
    )
    registrations_per_address: int = var(
        "FLEET_REGISTRATIONS_PER_ADDRESS",
        20,
        "Registrations per client address per `FLEET_REGISTRATION_WINDOW_S` (then 429).",
    )
    registration_window_s: int = var(
        "FLEET_REGISTRATION_WINDOW_S", 3600, "Window of the per-address registration limit."
    )
    trusted_proxies: TrustedProxies
    bootstrap_admin_email: str = var(
        "FLEET_BOOTSTRAP_ADMIN_EMAIL",
        "",
        "First admin (of `default`) on a fresh install: created on start if absent, never "
        "overwritten "
        "([docs/identity.md](docs/identity.md)).",
    )
    bootstrap_admin_password: str = var(
        "FLEET_BOOTSTRAP_ADMIN_PASSWORD", "", "Password of `FLEET_BOOTSTRAP_ADMIN_EMAIL`."
    )
    bootstrap_platform_admin_email: str = var(
        "FLEET_BOOTSTRAP_PLATFORM_ADMIN_EMAIL",
        "",
        "Platform admin (creates organizations, sees no fleet data): created on start if "
        "absent, never overwritten ([docs/identity.md](docs/identity.md)).",
    )
    bootstrap_platform_admin_password: str = var(
        "FLEET_BOOTSTRAP_PLATFORM_ADMIN_PASSWORD",
        "",
        "Password of `FLEET_BOOTSTRAP_PLATFORM_ADMIN_EMAIL`.",
    )
    # The query service's machine account (reads the event feed): kept in sync with env.
    service_account_email: ServiceAccountEmail
    service_account_password: ServiceAccountPassword


class UserCliSettings(FleetSettings):
    """What `fleetledger user` (command_service.identity.cli) reads."""

    database_url: CommandDatabaseUrl
    new_user_password: str = var(
        "FLEET_NEW_USER_PASSWORD",
        "",
        "Password of the account `fleetledger user create-user` creates (else a prompt; "
        "never on the command line).",
    )
