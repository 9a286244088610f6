"""Login throttling in PostgreSQL, so every worker and replica shares the counters.

Two fixed-window limits: attempts per client address (any outcome: slows credential
stuffing) and failures per account (slows guessing one password from many addresses).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import asyncpg

from shared.kit.auth.errors import TooManyAttemptsError

_HIT = """
INSERT INTO auth_throttle (bucket, window_start, hits)
VALUES ($1, to_timestamp(floor(extract(epoch FROM now()) / $2) * $2), 1)
ON CONFLICT (bucket, window_start) DO UPDATE SET hits = auth_throttle.hits + 1
RETURNING hits, ceil(extract(epoch FROM window_start) + $2 - extract(epoch FROM now()))::int
"""
_COUNT = """
SELECT hits, ceil(extract(epoch FROM window_start) + $2 - extract(epoch FROM now()))::int
FROM auth_throttle
WHERE bucket = $1 AND window_start = to_timestamp(floor(extract(epoch FROM now()) / $2) * $2)
"""


@dataclass(frozen=True)
class Limit:
    attempts: int
    window_s: int


class LoginThrottle:
    def __init__(self, pool: asyncpg.Pool, per_address: Limit, per_account: Limit) -> None:
        self._pool = pool
        self._per_address = per_address
        self._per_account = per_account

    async def attempt_from(self, address: str) -> None:
        """Count an attempt from `address`; 429 once over the limit."""
        hits, left = await self._pool.fetchrow(_HIT, f"addr:{address}", self._per_address.window_s)
        if hits > self._per_address.attempts:
            raise TooManyAttemptsError("too many sign-in attempts from this address", left)
        if random.random() < 0.01:  # housekeeping now and then, not on every request
            await self._pool.execute(
                "DELETE FROM auth_throttle WHERE window_start < now() - interval '1 day'"
            )

    async def check_account(self, email: str) -> None:
        """429 while the account has used up its failures in this window."""
        row = await self._pool.fetchrow(_COUNT, f"acct:{email}", self._per_account.window_s)
        if row is not None and row[0] >= self._per_account.attempts:
            raise TooManyAttemptsError("too many failed sign-ins for this account", row[1])

    async def failed(self, email: str) -> None:
        await self._pool.fetchrow(_HIT, f"acct:{email}", self._per_account.window_s)
