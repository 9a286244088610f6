"""Signing keys: Ed25519 pairs generated at run time and kept in the command database.

Rotation without downtime: a new key is published in the JWKS at once but signs only
from `activates_at` (a delay longer than any verifier waits before re-fetching the
JWKS), so no verifier meets a token whose key it cannot get. The old key retires at
that moment and stays published until every token it signed has expired. Every worker
reloads the ring periodically, at the next activation, and on an unknown kid.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import time
from typing import Any

import asyncpg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_der_private_key,
)
from jwt.algorithms import OKPAlgorithm

from shared.kit.auth.tokens import ACCESS_TOKEN_TTL_S, ALGORITHM, LEEWAY_S

# A retired key is published this long after retirement: its last token's lifetime.
PUBLISH_AFTER_RETIREMENT_S = ACCESS_TOKEN_TTL_S + LEEWAY_S + 60
_LOCK_KEY = 0x466C_6B79  # advisory lock: one key generator at a time across workers
_UNKNOWN_KID_RELOAD_S = 1.0
_RING = """
SELECT kid, private_key, public_jwk,
       activates_at <= now() AND (retired_at IS NULL OR retired_at > now()) AS signs_now,
       extract(epoch FROM activates_at - now())::float8 AS activates_in_s
FROM signing_keys
WHERE retired_at IS NULL OR retired_at > now() - make_interval(secs => $1)
ORDER BY activates_at
"""


def public_jwk(public: Ed25519PublicKey) -> dict[str, Any]:
    """The JWK of a public key, its kid the RFC 7638 thumbprint."""
    jwk: dict[str, Any] = OKPAlgorithm.to_jwk(public, as_dict=True)
    canonical = json.dumps(
        {"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]}, separators=(",", ":")
    )
    digest = hashlib.sha256(canonical.encode()).digest()
    kid = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return {**jwk, "kid": kid, "alg": ALGORITHM, "use": "sig"}


class KeyRing:
    """This worker's view of the signing keys, refreshed from the database."""

    def __init__(
        self, pool: asyncpg.Pool, activation_delay_s: float = 30.0, refresh_s: float = 30.0
    ) -> None:
        self._pool = pool
        self._activation_delay_s = activation_delay_s
        self._refresh_s = refresh_s
        self._loaded_at = float("-inf")
        self._reload_by = float("-inf")
        self._public: dict[str, tuple[dict[str, Any], Ed25519PublicKey]] = {}
        self._signing: tuple[str, Ed25519PrivateKey] | None = None
        self._reload_lock = asyncio.Lock()

    async def ensure_signing_key(self) -> None:
        """Generate the first key on a fresh install (once, whatever the worker count)."""
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK_KEY)
            if await conn.fetchval("SELECT 1 FROM signing_keys WHERE retired_at IS NULL") is None:
                await _insert_new_key(conn, 0.0)
        await self.reload()

    async def rotate(self) -> tuple[str, float]:
        """Publish a new key now, sign with it after the delay; (kid, seconds until then)."""
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK_KEY)
            kid = await _insert_new_key(conn, self._activation_delay_s)
            await conn.execute(
                "UPDATE signing_keys SET retired_at = (SELECT activates_at FROM signing_keys"
                " WHERE kid = $1) WHERE retired_at IS NULL AND kid <> $1",
                kid,
            )
            await conn.execute(
                "DELETE FROM signing_keys WHERE retired_at < now() - make_interval(secs => $1)",
                float(PUBLISH_AFTER_RETIREMENT_S),
            )
        await self.reload()
        return kid, self._activation_delay_s

    async def reload(self) -> None:
        async with self._reload_lock:
            rows = await self._pool.fetch(_RING, float(PUBLISH_AFTER_RETIREMENT_S))
            public: dict[str, tuple[dict[str, Any], Ed25519PublicKey]] = {}
            signing: tuple[str, Ed25519PrivateKey] | None = None
            now = time.monotonic()
            self._reload_by = now + self._refresh_s
            for row in rows:
                private = load_der_private_key(row["private_key"], password=None)
                assert isinstance(private, Ed25519PrivateKey)
                public[row["kid"]] = (row["public_jwk"], private.public_key())
                if row["signs_now"]:
                    signing = (row["kid"], private)
                elif row["activates_in_s"] > 0:  # a pending key: look again when it starts
                    self._reload_by = min(self._reload_by, now + row["activates_in_s"])
            self._public, self._signing, self._loaded_at = public, signing, now

    async def _fresh(self) -> None:
        if time.monotonic() >= self._reload_by:
            await self.reload()

    async def signing_key(self) -> tuple[str, Ed25519PrivateKey]:
        await self._fresh()
        if self._signing is None:
            await self.ensure_signing_key()
        assert self._signing is not None
        return self._signing

    async def jwks(self) -> dict[str, Any]:
        """The published key set: pending, signing and recently retired keys."""
        await self._fresh()
        return {"keys": [jwk for jwk, _ in self._public.values()]}

    async def key(self, kid: str) -> Ed25519PublicKey | None:
        """The public key `kid` names (KeySource), reloading once for an unknown kid."""
        await self._fresh()
        if kid not in self._public and time.monotonic() - self._loaded_at > _UNKNOWN_KID_RELOAD_S:
            await self.reload()
        found = self._public.get(kid)
        return None if found is None else found[1]


async def _insert_new_key(conn: asyncpg.Connection, activation_delay_s: float) -> str:
    private = Ed25519PrivateKey.generate()
    jwk = public_jwk(private.public_key())
    der = private.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
    await conn.execute(
        "INSERT INTO signing_keys (kid, private_key, public_jwk, activates_at)"
        " VALUES ($1, $2, $3::jsonb, now() + make_interval(secs => $4))",
        jwk["kid"],
        der,
        json.dumps(jwk),
        activation_delay_s,
    )
    return str(jwk["kid"])
