"""`make token`: sign in with the launcher's admin account and print an access token."""

from __future__ import annotations

import argparse
import os
import sys

import httpx

from deploy.launcher import STATE_DIR
from shared.kit.auth.client import CREDENTIALS_FILE, credentials_from, sign_in


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.token")
    parser.add_argument(
        "--url", default=os.environ.get("FLEET_COMMAND_URL", "http://127.0.0.1:8000")
    )
    args = parser.parse_args()
    admin = credentials_from("FLEET_ADMIN", STATE_DIR / CREDENTIALS_FILE, "admin")
    if admin is None:
        sys.stderr.write(
            f"no admin credentials: start the stack with `make run` first ({STATE_DIR})\n"
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
