"""`fleetledger token`: sign in with the launcher's admin account and print an access token."""

from __future__ import annotations

import argparse
import sys

import httpx

from deploy.settings import ToolSettings
from shared.kit.auth.client import sign_in
from shared.kit.settings import load


def main(argv: list[str] | None = None, prog: str = "python -m deploy.token") -> int:
    settings = load(ToolSettings)
    parser = argparse.ArgumentParser(prog=prog, description="Print an admin access token.")
    parser.add_argument("--url", default=settings.command_url, help="command service")
    args = parser.parse_args(argv)
    admin = settings.admin()
    if admin is None:
        sys.stderr.write(
            "no admin credentials: start the stack with `make run` first "
            f"({settings.credentials_file}) or set FLEET_ADMIN_EMAIL/FLEET_ADMIN_PASSWORD\n"
        )
        return 1
    try:
        token = sign_in(args.url, admin, timeout_s=10)
    except httpx.HTTPError as exc:
        sys.stderr.write(f"sign-in failed: {exc}\n")
        return 1
    sys.stdout.write(token + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
