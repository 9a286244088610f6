"""Identity settings: hashing cost, sign-in limits and the accounts created at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from shared.kit.http.client_address import Network, trusted_proxies_from_env
from shared.kit.settings import env_int, env_str


@dataclass(frozen=True)
class IdentitySettings:
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536  # RFC 9106's second recommended option: t=3, 64 MiB
    argon2_parallelism: int = 4
    # A rotated-in key is published this long before it signs (> verifiers' re-fetch gap).
    signing_key_activation_s: float = 30.0
    login_attempts_per_address: int = 60
    login_address_window_s: int = 60
    login_failures_per_account: int = 10
    login_account_window_s: int = 15 * 60
    registrations_per_address: int = 20
    registration_window_s: int = 3600
    # Proxies whose X-Forwarded-For names the client (FLEET_TRUSTED_PROXIES).
    trusted_proxies: tuple[Network, ...] = ()
    # First admin on a fresh install: created once if absent, never overwritten.
    bootstrap_admin_email: str = ""
    bootstrap_admin_password: str = ""
    # The query service's machine account (reads the event feed): kept in sync with env.
    service_account_email: str = ""
    service_account_password: str = ""

    @classmethod
    def from_env(cls) -> IdentitySettings:
        return cls(
            argon2_time_cost=env_int("FLEET_ARGON2_TIME_COST", 3),
            argon2_memory_kib=env_int("FLEET_ARGON2_MEMORY_KIB", 65536),
            argon2_parallelism=env_int("FLEET_ARGON2_PARALLELISM", 4),
            signing_key_activation_s=env_int("FLEET_SIGNING_KEY_ACTIVATION_S", 30),
            login_attempts_per_address=env_int("FLEET_LOGIN_ATTEMPTS_PER_ADDRESS", 60),
            login_address_window_s=env_int("FLEET_LOGIN_ADDRESS_WINDOW_S", 60),
            login_failures_per_account=env_int("FLEET_LOGIN_FAILURES_PER_ACCOUNT", 10),
            login_account_window_s=env_int("FLEET_LOGIN_ACCOUNT_WINDOW_S", 900),
            registrations_per_address=env_int("FLEET_REGISTRATIONS_PER_ADDRESS", 20),
            registration_window_s=env_int("FLEET_REGISTRATION_WINDOW_S", 3600),
            trusted_proxies=trusted_proxies_from_env(),
            bootstrap_admin_email=env_str("FLEET_BOOTSTRAP_ADMIN_EMAIL", ""),
            bootstrap_admin_password=env_str("FLEET_BOOTSTRAP_ADMIN_PASSWORD", ""),
            service_account_email=env_str("FLEET_SERVICE_ACCOUNT_EMAIL", ""),
            service_account_password=env_str("FLEET_SERVICE_ACCOUNT_PASSWORD", ""),
        )
