"""Sign-in and registration throttling in PostgreSQL, shared by every worker and replica.

Fixed-window counters, none of which a stranger can turn into the owner's lockout:
- attempts per client address (any outcome): slows credential stuffing from one place;
- failures per account *and* address: a guesser from one address is stopped (429) without
  touching the owner, who signs in from another;
- failures per account from anywhere: past a threshold every attempt on the account waits
  a little longer (progressive delay, capped), which slows guessing from many addresses
  but never refuses the right password;
- registrations per address.
"""

from __future__ import annotations

import asyncio
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
_DELAY_STEP_S = 0.05
MAX_DELAY_S = 2.0


@dataclass(frozen=True)
class Limit:
    attempts: int
    window_s: int


def progressive_delay(failures: int, free: int) -> float:
    """Seconds an attempt waits after `failures` on its account (doubling past `free`)."""
    if failures < free:
        return 0.0
    return float(min(MAX_DELAY_S, _DELAY_STEP_S * 2 ** min(failures - free, 16)))


class LoginThrottle:
    def __init__(
        self,
        pool: asyncpg.Pool,
        per_address: Limit,
        per_account: Limit,
        registrations: Limit = Limit(20, 3600),
    ) -> None:
        self._pool = pool
        self._per_address = per_address
        self._per_account = per_account
        self._registrations = registrations

    async def _hit(self, bucket: str, limit: Limit, detail: str) -> None:
        hits, left = await self._pool.fetchrow(_HIT, bucket, limit.window_s)
        if hits > limit.attempts:
            raise TooManyAttemptsError(detail, left)
        if random.random() < 0.01:  # housekeeping now and then, not on every request
            await self._pool.execute(
                "DELETE FROM auth_throttle WHERE window_start < now() - interval '1 day'"
            )

    async def attempt_from(self, address: str) -> None:
        """Count a sign-in attempt from `address`; 429 once over the limit."""
        detail = "too many sign-in attempts from this address"
        await self._hit(f"addr:{address}", self._per_address, detail)

    async def registration_from(self, address: str) -> None:
        """Count a registration from `address`; 429 once over the limit."""
        detail = "too many registrations from this address"
        await self._hit(f"reg:{address}", self._registrations, detail)

    async def check_account(self, email: str, address: str) -> None:
        """429 while this address has used up its failures on this account; otherwise
        wait as long as the account's failures from everywhere ask."""
        window = self._per_account.window_s
        pair = await self._pool.fetchrow(_COUNT, f"pair:{email}|{address}", window)
        if pair is not None and pair[0] >= self._per_account.attempts:
            raise TooManyAttemptsError("too many failed sign-ins for this account", pair[1])
        total = await self._pool.fetchrow(_COUNT, f"acct:{email}", window)
        delay = progressive_delay(0 if total is None else total[0], self._per_account.attempts)
        if delay:
            await asyncio.sleep(delay)

    async def failed(self, email: str, address: str) -> None:
        window = self._per_account.window_s
        await self._pool.fetchrow(_HIT, f"pair:{email}|{address}", window)
        await self._pool.fetchrow(_HIT, f"acct:{email}", window)
