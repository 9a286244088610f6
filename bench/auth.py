"""Benchmarks run with authentication on, like production: every service they start
gets generated start-up accounts, and the load generator signs in as the admin."""

from __future__ import annotations

import httpx

from bench import loadgen
from deploy.accounts import StartupAccounts
from shared.auth.client import TOKEN_PATH

# One set of accounts per benchmark process: command and query services must agree.
ACCOUNTS = StartupAccounts.generate()


def sign_in(command_url: str) -> str:
    """An admin access token (valid 15 min: each phase signs in after its service starts)."""
    body = {"email": ACCOUNTS.admin.email, "password": ACCOUNTS.admin.password}
    response = httpx.post(command_url + TOKEN_PATH, json=body, timeout=30)
    response.raise_for_status()
    token: str = response.json()["access_token"]
    loadgen.authorize(token)
    return token
