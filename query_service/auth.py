"""The query service trusts the command service's published keys (JWKS), never a secret.

Keys are cached; a token naming an unknown kid triggers a re-fetch (at most every few
seconds, so a flood of forged kids cannot hammer the command service), which is how a
key rotation reaches this service without a restart. Revoked tokens (disabled accounts,
demotions, logouts) are pulled every second from the command service's revocation feed.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import jwt
import structlog

from shared.kit.auth.client import Credentials, SignedIn
from shared.kit.auth.revocations import Revocation
from shared.kit.auth.tokens import ALGORITHM
from shared.kit.http.errors import HttpProblem

log = structlog.get_logger("query_service.auth")
REVOCATIONS_PATH = "/v1/auth/revocations"


class KeysUnavailableError(HttpProblem):
    """The signing keys could not be fetched, so no token can be checked right now."""

    status = 503
    title = "Cannot verify tokens"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, {"Retry-After": "2"})


class JwksKeySource:
    """Public keys by kid, from the command service's /.well-known/jwks.json."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        path: str = "/.well-known/jwks.json",
        max_age_s: float = 300.0,
        min_refetch_s: float = 5.0,
    ) -> None:
        self._http = http
        self._path = path
        self._max_age_s = max_age_s
        self._min_refetch_s = min_refetch_s
        self._keys: dict[str, Any] = {}
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> Any | None:
        age = time.monotonic() - self._fetched_at
        if age > self._max_age_s or (kid not in self._keys and age > self._min_refetch_s):
            await self._refresh()
        return self._keys.get(kid)

    async def _refresh(self) -> None:
        async with self._lock:
            if time.monotonic() - self._fetched_at < self._min_refetch_s:
                return  # another request refreshed while this one waited
            try:
                response = await self._http.get(self._path)
                response.raise_for_status()
                keys = _parse(response.json())
            except (httpx.HTTPError, ValueError) as exc:
                log.warning("jwks_fetch_failed", error=type(exc).__name__, detail=str(exc))
                if not self._keys:
                    raise KeysUnavailableError("the signing keys cannot be fetched") from exc
                return  # keep verifying with the keys we have
            self._keys, self._fetched_at = keys, time.monotonic()
            log.info("jwks_refreshed", kids=sorted(keys))


def _parse(document: Any) -> dict[str, Any]:
    """Usable EdDSA verification keys of a JWKS document, by kid."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("not a JWKS document")
    keys = {}
    for jwk in document["keys"]:
        if not isinstance(jwk, dict) or jwk.get("alg") != ALGORITHM or not jwk.get("kid"):
            continue
        try:
            keys[str(jwk["kid"])] = jwt.PyJWK(jwk).key
        except jwt.PyJWKError:
            continue
    return keys


class RevocationFeed:
    """Pages of the command service's revocation feed, read as the service account."""

    def __init__(self, command_url: str, credentials: Credentials) -> None:
        auth = SignedIn(credentials, command_url)
        self._http = httpx.AsyncClient(base_url=command_url, timeout=5, auth=auth)

    async def __call__(self, after: int) -> tuple[list[Revocation], int]:
        response = await self._http.get(REVOCATIONS_PATH, params={"after": after})
        response.raise_for_status()
        body = response.json()
        return [Revocation.from_wire(item) for item in body["items"]], int(body["next_after"])

    async def close(self) -> None:
        await self._http.aclose()
