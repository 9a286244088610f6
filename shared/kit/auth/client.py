"""Client side of sign-in: an httpx auth flow for machine accounts and scripts.

It signs in with e-mail and password on first use, renews the access token shortly
before it expires, and signs in again once if a request still answers 401.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from pathlib import Path

import httpx

TOKEN_PATH = "/v1/auth/token"
# The OAuth2 password grant (form-encoded): the tokenUrl of both services' /docs.
TOKEN_FORM_PATH = "/v1/auth/token/form"
_RENEW_BEFORE_S = 60
CREDENTIALS_FILE = "credentials.json"  # written by the launcher into its state dir


@dataclass(frozen=True)
class Credentials:
    email: str
    password: str


def credentials_from(email: str, password: str, path: Path, entry: str) -> Credentials | None:
    """`email` and `password` when both are given (from settings), else `entry` of the
    launcher's credentials file at `path` (`{"admin": {email, password}, ...}`)."""
    if email and password:
        return Credentials(email, password)
    if not path.exists():
        return None
    found = json.loads(path.read_text()).get(entry)
    return None if not found else Credentials(found["email"], found["password"])


def sign_in(command_url: str, credentials: Credentials, timeout_s: float = 30) -> str:
    """An access token for `credentials` (a blocking call, for scripts and benchmarks)."""
    body = {"email": credentials.email, "password": credentials.password}
    response = httpx.post(command_url.rstrip("/") + TOKEN_PATH, json=body, timeout=timeout_s)
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


class SignedIn(httpx.Auth):
    """Bearer authentication with an account's own sign-in (POST /v1/auth/token)."""

    def __init__(self, credentials: Credentials, command_url: str) -> None:
        self._credentials = credentials
        self._token_url = command_url.rstrip("/") + TOKEN_PATH
        self._token: str | None = None
        self._renew_at = 0.0

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if self._token is None or time.monotonic() >= self._renew_at:
            await self._accept((yield self._login()))
        request.headers["Authorization"] = f"Bearer {self._token}"
        response = yield request
        if response.status_code == 401:  # revoked or rotated away: sign in once more
            await self._accept((yield self._login()))
            request.headers["Authorization"] = f"Bearer {self._token}"
            yield request

    def _login(self) -> httpx.Request:
        body = {"email": self._credentials.email, "password": self._credentials.password}
        return httpx.Request("POST", self._token_url, json=body)

    async def _accept(self, response: httpx.Response) -> None:
        await response.aread()
        response.raise_for_status()
        body = response.json()
        self._token = body["access_token"]
        self._renew_at = time.monotonic() + max(1, int(body["expires_in"]) - _RENEW_BEFORE_S)
