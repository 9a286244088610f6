"""`make token`: sign in with the launcher's admin account and print an access token."""

from __future__ import annotations

import argparse
import os
import sys

import httpx

from deploy.launcher import STATE_DIR
from shared.auth.client import TOKEN_PATH, credentials_from


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.token")
    parser.add_argument(
        "--url", default=os.environ.get("FLEET_COMMAND_URL", "http://127.0.0.1:8000")
    )
    args = parser.parse_args()
    admin = credentials_from("FLEET_ADMIN", STATE_DIR, "admin")
    if admin is None:
        sys.stderr.write(
            f"no admin credentials: start the stack with `make run` first ({STATE_DIR})\n"
        )
        return 1
    body = {"email": admin.email, "password": admin.password}
    response = httpx.post(args.url + TOKEN_PATH, json=body, timeout=10)
    if response.status_code != 200:
        sys.stderr.write(f"sign-in failed: {response.status_code} {response.text}\n")
        return 1
    sys.stdout.write(response.json()["access_token"] + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
