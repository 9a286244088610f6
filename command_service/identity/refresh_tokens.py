"""Opaque refresh tokens, stored only as hashes, rotated on every use.

A family is one sign-in and all its rotations. Presenting a token that was already
rotated means two parties hold it (the client, and someone who stole it): the whole
family is revoked, so the thief's newer token dies too.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from command_service.identity import revocations
from shared.kit.auth.errors import InvalidTokenError

REFRESH_TOKEN_TTL_S = 14 * 24 * 3600
_PREFIX = "rt_"


def _digest(token: str) -> bytes:
    # The token has 256 random bits: a fast hash is enough, no salt or stretching needed.
    return hashlib.sha256(token.encode()).digest()


# A family counts as revoked once any of its tokens is: a refresh racing the reuse that
# revokes it may still insert its new token after the revocation, and that token must
# not work either.
_CONSUME = """
UPDATE refresh_tokens AS t SET rotated_at = now()
WHERE t.token_hash = $1 AND t.rotated_at IS NULL AND t.revoked_at IS NULL
  AND t.expires_at > now()
  AND NOT EXISTS (SELECT 1 FROM refresh_tokens AS f
                  WHERE f.family_id = t.family_id AND f.revoked_at IS NOT NULL)
RETURNING t.user_id, t.family_id
"""


@dataclass(frozen=True)
class Rotated:
    user_id: UUID
    family_id: UUID


async def issue(db: asyncpg.Connection | asyncpg.Pool, user_id: UUID, family_id: UUID) -> str:
    """A new refresh token in `family_id`."""
    token = _PREFIX + secrets.token_urlsafe(32)
    await db.execute(
        "INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at)"
        " VALUES ($1, $2, $3, now() + make_interval(secs => $4))",
        _digest(token),
        family_id,
        user_id,
        float(REFRESH_TOKEN_TTL_S),
    )
    return token


async def consume(pool: asyncpg.Pool, token: str) -> Rotated:
    """Mark `token` used and return its family; on reuse revoke the family and refuse."""
    digest = _digest(token)
    row = await pool.fetchrow(_CONSUME, digest)
    if row is not None:
        return Rotated(row["user_id"], row["family_id"])
    known = await pool.fetchrow(
        "SELECT family_id, rotated_at IS NOT NULL AS rotated FROM refresh_tokens"
        " WHERE token_hash = $1",
        digest,
    )
    if known is not None and known["rotated"]:
        await revoke_family(pool, known["family_id"], "refresh token reused")
        raise InvalidTokenError("refresh token reused after rotation; the session is revoked")
    raise InvalidTokenError("refresh token unknown, expired or revoked")


async def revoke(pool: asyncpg.Pool, token: str) -> None:
    """Log out: revoke the family `token` belongs to (unknown tokens: nothing to do)."""
    family = await pool.fetchval(
        "SELECT family_id FROM refresh_tokens WHERE token_hash = $1", _digest(token)
    )
    if family is not None:
        await revoke_family(pool, family, "signed out")


async def revoke_family(pool: asyncpg.Pool, family_id: UUID, reason: str) -> None:
    """End a session: its refresh tokens and the access tokens it issued (claim `sid`)."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "UPDATE refresh_tokens SET revoked_at = now()"
            " WHERE family_id = $1 AND revoked_at IS NULL",
            family_id,
        )
        await revocations.revoke_session(conn, family_id, reason)
