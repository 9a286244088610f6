"""The revocation feed in the command database (shared/kit/auth/revocations.py reads it)."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from shared.kit.auth.revocations import Revocation
from shared.kit.auth.tokens import ACCESS_TOKEN_TTL_S, LEEWAY_S

# A row lives as long as the last access token it can void, plus the clock skew.
ROW_TTL_S = ACCESS_TOKEN_TTL_S + 2 * LEEWAY_S
_PAGE = 1000
_INSERT = """
INSERT INTO token_revocations (kind, subject, generation, reason, expires_at)
VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))
"""
_AFTER = """
SELECT seq, kind, subject, generation, extract(epoch FROM expires_at)::float8 AS expires_at
FROM token_revocations WHERE seq > $1 ORDER BY seq LIMIT $2
"""


async def _append(conn: asyncpg.Connection, kind: str, subject: UUID, gen: int, why: str) -> None:
    # Serialises writers, so a reader that saw seq n never later meets a smaller one.
    await conn.execute("LOCK TABLE token_revocations IN EXCLUSIVE MODE")
    await conn.execute(_INSERT, kind, subject, gen, why, float(ROW_TTL_S))
    # Housekeeping: rows no token can need (the table holds about a quarter hour's).
    await conn.execute("DELETE FROM token_revocations WHERE expires_at < now() - interval '1 hour'")


async def revoke_account(conn: asyncpg.Connection, user_id: UUID, reason: str) -> int:
    """Void every access token the account holds now (call inside a transaction);
    returns the generation new tokens carry."""
    generation: int = await conn.fetchval(
        "UPDATE users SET token_generation = token_generation + 1, updated_at = now()"
        " WHERE user_id = $1 RETURNING token_generation",
        user_id,
    )
    await _append(conn, "account", user_id, generation, reason)
    return generation


async def revoke_session(conn: asyncpg.Connection, session_id: UUID, reason: str) -> None:
    """Void the access tokens of one sign-in (call inside a transaction)."""
    await _append(conn, "session", session_id, 0, reason)


async def after(db: asyncpg.Pool | asyncpg.Connection, cursor: int) -> tuple[list[Revocation], int]:
    """Rows after `cursor` (a page; readers drop the expired ones) and the cursor past them."""
    rows = await db.fetch(_AFTER, cursor, _PAGE)
    found = [
        Revocation(r["seq"], r["kind"], r["subject"], r["generation"], r["expires_at"])
        for r in rows
    ]
    return found, (found[-1].seq if found else cursor)
