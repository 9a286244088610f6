"""Environment-variable helpers shared by both services."""

from __future__ import annotations

import os


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return default if raw in (None, "") else int(raw)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


ENVIRONMENTS = ("production", "dev", "demo")
CLOCKS = ("system", "simulated")


class UnsafeSettingsError(ValueError):
    """The settings name an unknown mode or a combination production must refuse."""


def check_modes(environment: str, clock: str) -> None:
    """Refuse unknown modes, and a simulated clock outside dev/demo (both services)."""
    if environment not in ENVIRONMENTS:
        raise UnsafeSettingsError(f"FLEET_ENV must be one of {ENVIRONMENTS}")
    if clock not in CLOCKS:
        raise UnsafeSettingsError(f"FLEET_CLOCK must be one of {CLOCKS}")
    if clock == "simulated" and environment == "production":
        raise UnsafeSettingsError(
            "refusing to start: FLEET_CLOCK=simulated is for FLEET_ENV=dev or demo only"
        )
