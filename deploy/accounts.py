"""The accounts a deployment starts with: the first admin (of `default`), a platform admin
and the query service's machine account. Passwords are generated at run time and never
committed."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from shared.kit.auth.client import CREDENTIALS_FILE, Credentials

ADMIN_EMAIL = "admin@fleetledger.local"
PLATFORM_ADMIN_EMAIL = "platform-admin@fleetledger.local"
SERVICE_EMAIL = "query-service@fleetledger.internal"


def save_private(path: Path, value: Any) -> None:
    """Write `value` as JSON, owner-only from its first byte, replacing any older file whole."""
    draft = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(value, out)
    os.replace(draft, path)


def _platform_admin() -> Credentials:
    return Credentials(PLATFORM_ADMIN_EMAIL, secrets.token_urlsafe(18))


@dataclass(frozen=True)
class StartupAccounts:
    admin: Credentials
    service: Credentials
    platform_admin: Credentials

    @classmethod
    def generate(cls) -> StartupAccounts:
        return cls(
            Credentials(ADMIN_EMAIL, secrets.token_urlsafe(18)),
            Credentials(SERVICE_EMAIL, secrets.token_urlsafe(24)),
            _platform_admin(),
        )

    @classmethod
    def load_or_create(cls, state_dir: Path) -> StartupAccounts:
        """The accounts saved in `state_dir` (readable by the owner only), else new ones; a
        file saved before platform admins existed gains one."""
        path = state_dir / CREDENTIALS_FILE
        if path.exists():
            saved = json.loads(path.read_text())
            platform = saved.get("platform_admin")
            accounts = cls(
                Credentials(**saved["admin"]),
                Credentials(**saved["service"]),
                Credentials(**platform) if platform else _platform_admin(),
            )
            if not platform:
                accounts._save(path)
            return accounts
        accounts = cls.generate()
        state_dir.mkdir(parents=True, exist_ok=True)
        accounts._save(path)
        return accounts

    def _save(self, path: Path) -> None:
        save_private(path, asdict(self))

    def command_env(self) -> dict[str, str]:
        """Environment that makes the command service create the accounts on start."""
        return {
            "FLEET_BOOTSTRAP_ADMIN_EMAIL": self.admin.email,
            "FLEET_BOOTSTRAP_ADMIN_PASSWORD": self.admin.password,
            "FLEET_BOOTSTRAP_PLATFORM_ADMIN_EMAIL": self.platform_admin.email,
            "FLEET_BOOTSTRAP_PLATFORM_ADMIN_PASSWORD": self.platform_admin.password,
            **self.query_env(),
        }

    def query_env(self) -> dict[str, str]:
        """Environment with which the query service signs in to read the event feed."""
        return {
            "FLEET_SERVICE_ACCOUNT_EMAIL": self.service.email,
            "FLEET_SERVICE_ACCOUNT_PASSWORD": self.service.password,
        }
