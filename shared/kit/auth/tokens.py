"""Access tokens: EdDSA-signed JWTs (RFC 9068 profile) verified against a key set.

Only EdDSA is accepted, and the algorithm is pinned before any key is looked up, so
`alg: none` and algorithm-confusion tokens (HS256 keyed with a public key) never verify.
"""

from __future__ import annotations

import time
from typing import Any, Protocol
from uuid import UUID

import jwt

from shared.kit.auth.errors import InvalidTokenError
from shared.kit.auth.principal import Principal, as_role

ALGORITHM = "EdDSA"
TOKEN_TYPE = "at+jwt"
ISSUER = "fleetledger"
AUDIENCE = "fleetledger-api"
ACCESS_TOKEN_TTL_S = 15 * 60
LEEWAY_S = 5  # clock skew tolerated between the issuing and the verifying host
_REQUIRED = ["exp", "iat", "sub", "iss", "aud", "jti"]
_CACHE_LIMIT = 10_000


class KeySource(Protocol):
    """Public verification keys by key id (`kid`)."""

    async def key(self, kid: str) -> Any | None: ...


class TokenVerifier:
    """Turns a bearer token into a Principal, or raises InvalidTokenError."""

    def __init__(self, keys: KeySource) -> None:
        self._keys = keys
        # Verified tokens until they expire: a client sends the same token many times.
        self._verified: dict[str, tuple[Principal, float]] = {}

    async def verify(self, token: str) -> Principal:
        cached = self._verified.get(token)
        if cached is not None and cached[1] > time.time():
            return cached[0]
        principal, expires_at = await self._verify(token)
        if len(self._verified) >= _CACHE_LIMIT:
            self._verified.clear()
        self._verified[token] = (principal, expires_at)
        return principal

    def forget(self) -> None:
        """Drop cached verifications (after a key was withdrawn)."""
        self._verified.clear()

    async def _verify(self, token: str) -> tuple[Principal, float]:
        kid = _key_id(token)
        key = await self._keys.key(kid)
        if key is None:
            raise InvalidTokenError("token signed by an unknown key")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                leeway=LEEWAY_S,
                options={"require": _REQUIRED},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidTokenError("token expired") from exc
        except jwt.InvalidTokenError as exc:
            raise InvalidTokenError(f"token rejected: {exc}") from exc
        return _principal(claims), float(claims["exp"])


def _key_id(token: str) -> str:
    """The `kid` of a token whose header pins our algorithm and token type."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as exc:
        raise InvalidTokenError("malformed token") from exc
    if header.get("alg") != ALGORITHM:
        raise InvalidTokenError(f"signing algorithm must be {ALGORITHM}")
    if header.get("typ") != TOKEN_TYPE:
        raise InvalidTokenError(f"token type must be {TOKEN_TYPE}")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise InvalidTokenError("token names no signing key")
    return kid


def _principal(claims: dict[str, Any]) -> Principal:
    role = as_role(claims.get("role"))
    if role is None:
        raise InvalidTokenError("token carries no valid role")
    try:
        user_id = UUID(str(claims["sub"]))
    except ValueError as exc:
        raise InvalidTokenError("token subject is not a user id") from exc
    return Principal(user_id=user_id, role=role)
