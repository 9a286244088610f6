"""Access tokens: EdDSA-signed JWTs (RFC 9068 profile) verified against a key set.

Only EdDSA is accepted, and the algorithm is pinned before any key is looked up, so
`alg: none` and algorithm-confusion tokens (HS256 keyed with a public key) never verify.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

import jwt

from shared.contract.organizations import DEFAULT_ORGANIZATION_ID
from shared.kit.auth.errors import InvalidTokenError, RevocationsUnavailableError
from shared.kit.auth.principal import Principal, as_role
from shared.kit.auth.revocations import Revocations

ALGORITHM = "EdDSA"
TOKEN_TYPE = "at+jwt"
ISSUER = "fleetledger"
AUDIENCE = "fleetledger-api"
ACCESS_TOKEN_TTL_S = 15 * 60
LEEWAY_S = 5  # clock skew tolerated between the issuing and the verifying host
_REQUIRED = ["exp", "iat", "sub", "iss", "aud", "jti", "sid", "gen"]
_CACHE_LIMIT = 10_000


@dataclass(frozen=True)
class Verified:
    """What a valid token says: the caller, its session and account generation, expiry."""

    principal: Principal
    session_id: UUID
    generation: int
    expires_at: float


# Called once per process for each new token (the command service checks the account).
FirstSight = Callable[[Verified], Awaitable[None]]


class KeySource(Protocol):
    """Public verification keys by key id (`kid`)."""

    async def key(self, kid: str) -> Any | None: ...


class TokenVerifier:
    """Turns a bearer token into a Principal, or raises InvalidTokenError."""

    def __init__(
        self,
        keys: KeySource,
        revocations: Revocations | None = None,
        first_sight: FirstSight | None = None,
    ) -> None:
        self._keys = keys
        self.revocations = revocations
        self._first_sight = first_sight
        # Verified tokens until they expire: a client sends the same token many times.
        self._verified: dict[str, Verified] = {}

    async def verify(self, token: str) -> Principal:
        """The caller a valid, unexpired, unrevoked token names."""
        verified = self._verified.get(token)
        if verified is not None and verified.expires_at > time.time():
            self._refuse_revoked(verified)
            return verified.principal
        verified = await self._verify(token)
        self._refuse_revoked(verified)  # before the first-sight check: no database trip
        if self._first_sight is not None:
            await self._first_sight(verified)
        if len(self._verified) >= _CACHE_LIMIT:
            self._verified.clear()
        self._verified[token] = verified
        return verified.principal

    def _refuse_revoked(self, verified: Verified) -> None:
        if self.revocations is None:
            return
        if self.revocations.last_success is None:  # fail closed until the first pull
            raise RevocationsUnavailableError()
        principal = verified.principal
        why = self.revocations.refuses(principal.user_id, verified.generation, verified.session_id)
        if why is not None:
            raise InvalidTokenError(f"token revoked: {why}")

    def forget(self) -> None:
        """Drop cached verifications (after a key was withdrawn)."""
        self._verified.clear()

    async def _verify(self, token: str) -> Verified:
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
        return _verified(claims)


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


def _organization(claims: dict[str, Any]) -> UUID:
    """The `org` claim; tokens minted before organizations existed belong to `default`."""
    org = claims.get("org")
    if org is None:
        return DEFAULT_ORGANIZATION_ID
    try:
        return UUID(str(org))
    except ValueError as exc:
        raise InvalidTokenError("token organization is not an id") from exc


def _verified(claims: dict[str, Any]) -> Verified:
    role = as_role(claims.get("role"))
    if role is None:
        raise InvalidTokenError("token carries no valid role")
    generation = claims["gen"]
    if not isinstance(generation, int) or isinstance(generation, bool) or generation < 0:
        raise InvalidTokenError("token generation is not a count")
    try:
        user_id = UUID(str(claims["sub"]))
        session_id = UUID(str(claims["sid"]))
    except ValueError as exc:
        raise InvalidTokenError("token subject or session is not an id") from exc
    principal = Principal(user_id, role, _organization(claims))
    return Verified(principal, session_id, generation, float(claims["exp"]))
