"""Benchmarks run with authentication on, like production: every service they start
gets generated start-up accounts, and the load generator signs in as the admin."""

from __future__ import annotations

from bench import loadgen
from deploy.accounts import StartupAccounts
from shared.kit.auth import client

# One set of accounts per benchmark process: command and query services must agree.
ACCOUNTS = StartupAccounts.generate()


def sign_in(command_url: str) -> str:
    """An admin access token (valid 15 min: each phase signs in after its service starts)."""
    token = client.sign_in(command_url, ACCOUNTS.admin)
    loadgen.authorize(token)
    return token
