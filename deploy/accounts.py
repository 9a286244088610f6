"""The accounts a deployment starts with: the first admin and the query service's
machine account. Passwords are generated at run time and never committed."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

from shared.kit.auth.client import CREDENTIALS_FILE, Credentials

ADMIN_EMAIL = "admin@fleetledger.local"
SERVICE_EMAIL = "query-service@fleetledger.internal"


@dataclass(frozen=True)
class StartupAccounts:
    admin: Credentials
    service: Credentials

    @classmethod
    def generate(cls) -> StartupAccounts:
        return cls(
            Credentials(ADMIN_EMAIL, secrets.token_urlsafe(18)),
            Credentials(SERVICE_EMAIL, secrets.token_urlsafe(24)),
        )

    @classmethod
    def load_or_create(cls, state_dir: Path) -> StartupAccounts:
        """The accounts saved in `state_dir` (readable by the owner only), else new ones."""
        path = state_dir / CREDENTIALS_FILE
        if path.exists():
            saved = json.loads(path.read_text())
            return cls(Credentials(**saved["admin"]), Credentials(**saved["service"]))
        accounts = cls.generate()
        state_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump({"admin": asdict(accounts.admin), "service": asdict(accounts.service)}, out)
        return accounts

    def command_env(self) -> dict[str, str]:
        """Environment that makes the command service create both accounts on start."""
        return {
            "FLEET_BOOTSTRAP_ADMIN_EMAIL": self.admin.email,
            "FLEET_BOOTSTRAP_ADMIN_PASSWORD": self.admin.password,
            **self.query_env(),
        }

    def query_env(self) -> dict[str, str]:
        """Environment with which the query service signs in to read the event feed."""
        return {
            "FLEET_SERVICE_ACCOUNT_EMAIL": self.service.email,
            "FLEET_SERVICE_ACCOUNT_PASSWORD": self.service.password,
        }
