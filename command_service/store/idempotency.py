"""Idempotency-Key records: the first response given to a key, kept for replay.

A success's record is written by the append statement itself (`append_statement`), so
it exists iff its events committed. A response without events (a rejection, a command
that changed nothing) is kept alone here. Either way the key's primary key decides:
the first write wins and every later one replays it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from shared.contract.serialization import dumps


class IdempotencyKeyRaceError(Exception):
    """A concurrent request with the same Idempotency-Key committed first."""


@dataclass(frozen=True)
class StoredResponse:
    """An Idempotency-Key with the response it was given."""

    key: str
    fingerprint: bytes
    status: int
    body: dict[str, Any]

    def params(self) -> dict[str, Any]:
        """The record's part of the append statement (`append_statement`)."""
        return {
            "idem_key": self.key,
            "fingerprint": self.fingerprint,
            "status": self.status,
            "response": dumps(self.body).decode(),
        }


_FIND = "SELECT fingerprint, status, response FROM idempotency_keys WHERE key = $1"
# ON CONFLICT waits for a concurrent writer of the key: a committed one makes this a no-op.
_KEEP = """
INSERT INTO idempotency_keys (key, fingerprint, status, response)
VALUES ($1, $2, $3, $4::jsonb)
ON CONFLICT (key) DO NOTHING
RETURNING true
"""


class ResponseStore:
    """Reads and keeps the responses of Idempotency-Keys."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def find(self, key: str) -> StoredResponse | None:
        """The response first given to `key`, if any."""
        row = await self._pool.fetchrow(_FIND, key)
        if row is None:
            return None
        return StoredResponse(key, bytes(row["fingerprint"]), row["status"], row["response"])

    async def keep_first(self, response: StoredResponse) -> tuple[StoredResponse, bool]:
        """Keep `response` unless the key has one already; returns the key's first
        response and whether it is `response`."""
        args = (response.key, response.fingerprint, response.status, dumps(response.body).decode())
        while True:
            if await self._pool.fetchval(_KEEP, *args):
                return response, True
            # The conflicting row committed before our statement ended: a fresh read sees it.
            first = await self.find(response.key)
            if first is not None:
                return first, False
