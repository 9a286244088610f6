"""The launcher's start-up accounts: generated once, kept owner-only, upgraded in place."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from deploy.accounts import PLATFORM_ADMIN_EMAIL, StartupAccounts
from shared.kit.auth.client import CREDENTIALS_FILE


def test_a_fresh_state_dir_gets_all_three_accounts_readable_by_the_owner_only(
    tmp_path: Path,
) -> None:
    accounts = StartupAccounts.load_or_create(tmp_path / "state")
    path = tmp_path / "state" / CREDENTIALS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert StartupAccounts.load_or_create(tmp_path / "state") == accounts
    env = accounts.command_env()
    assert env["FLEET_BOOTSTRAP_PLATFORM_ADMIN_EMAIL"] == PLATFORM_ADMIN_EMAIL
    assert env["FLEET_BOOTSTRAP_PLATFORM_ADMIN_PASSWORD"] == accounts.platform_admin.password


def test_a_file_saved_before_platform_admins_keeps_its_accounts_and_gains_one(
    tmp_path: Path,
) -> None:
    old = {
        "admin": {"email": "admin@fleetledger.local", "password": "old admin secret"},
        "service": {"email": "query-service@fleetledger.internal", "password": "old svc"},
    }
    path = tmp_path / CREDENTIALS_FILE
    path.write_text(json.dumps(old))
    path.chmod(0o600)
    accounts = StartupAccounts.load_or_create(tmp_path)
    assert (accounts.admin.password, accounts.service.password) == ("old admin secret", "old svc")
    saved = json.loads(path.read_text())
    assert saved["admin"] == old["admin"] and saved["service"] == old["service"]
    assert saved["platform_admin"]["password"] == accounts.platform_admin.password
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == [CREDENTIALS_FILE]  # no draft left
