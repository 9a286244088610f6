"""Access tokens revoked before they expire, as both services hold them in memory.

The command database keeps one row per revocation (`token_revocations`): an *account*
row says "this user's tokens of an earlier generation are void" (disable, demotion,
password reset), a *session* row says "tokens of this sign-in are void" (logout, refresh
token reuse). Every process pulls the rows it has not seen yet about once a second and
checks each request against two dictionaries, so the check costs a few hundred
nanoseconds and a revocation reaches every worker of both services within about a second.
A row outlives the last token it can void (15 min + skew), after which it is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import structlog

log = structlog.get_logger("fleet.auth.revocations")
POLL_INTERVAL_S = 1.0


@dataclass(frozen=True)
class Revocation:
    """One row of the revocation feed."""

    seq: int
    kind: str  # "account" | "session"
    subject: UUID  # the user id, or the session (refresh-token family) id
    generation: int  # account: tokens below this generation are void
    expires_at: float  # epoch seconds; no token it voids outlives it

    def wire(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "kind": self.kind,
            "subject": str(self.subject),
            "generation": self.generation,
            "expires_at": self.expires_at,
        }

    @classmethod
    def from_wire(cls, item: dict[str, Any]) -> Revocation:
        return cls(
            int(item["seq"]),
            str(item["kind"]),
            UUID(str(item["subject"])),
            int(item["generation"]),
            float(item["expires_at"]),
        )


# A page of the feed after a cursor: (rows, next cursor).
Fetch = Callable[[int], Awaitable[tuple[Sequence[Revocation], int]]]


class Revocations:
    """The live revocations, kept current by `poll` (or `run`, once a second)."""

    def __init__(self, fetch: Fetch, interval_s: float = POLL_INTERVAL_S) -> None:
        self._fetch, self._interval_s = fetch, interval_s
        self._accounts: dict[UUID, tuple[int, float]] = {}
        self._sessions: dict[UUID, float] = {}
        self._cursor = 0
        self._task: asyncio.Task[None] | None = None
        self.last_success: float | None = None
        self.last_error: str | None = None

    def refuses(self, user_id: UUID, generation: int, session_id: UUID) -> str | None:
        """Why a token with these claims is void, or None (the hot-path check)."""
        account = self._accounts.get(user_id)
        if account is not None and generation < account[0]:
            return "the account's tokens were revoked"
        if session_id in self._sessions:
            return "the session was signed out"
        return None

    def add(self, rows: Sequence[Revocation]) -> None:
        for row in rows:
            if row.kind == "account":
                current = self._accounts.get(row.subject)
                if current is None or current[0] < row.generation:
                    self._accounts[row.subject] = (row.generation, row.expires_at)
            else:
                self._sessions[row.subject] = row.expires_at

    async def poll(self) -> int:
        """Take in every row after the cursor; returns how many came."""
        taken = 0
        while True:
            rows, cursor = await self._fetch(self._cursor)
            self.add(rows)
            taken += len(rows)
            if cursor <= self._cursor or not rows:
                break
            self._cursor = cursor
        self._prune(time.time())
        self.last_success, self.last_error = time.monotonic(), None
        return taken

    def _prune(self, now: float) -> None:
        self._accounts = {k: v for k, v in self._accounts.items() if v[1] > now}
        self._sessions = {k: v for k, v in self._sessions.items() if v > now}

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="revocations")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            failing = self.last_error
            try:
                await self.poll()
                if failing is not None:
                    log.info("revocations_poll_recovered")
            except Exception as exc:  # keep the last list; report (once) and retry
                self.last_error = f"{type(exc).__name__}: {exc}"
                if failing is None:
                    log.warning("revocations_poll_failed", error=self.last_error)
            await asyncio.sleep(self._interval_s)

    def status(self) -> dict[str, Any]:
        """Readiness view: entries held, seconds since the last successful pull."""
        since = None if self.last_success is None else time.monotonic() - self.last_success
        return {
            "accounts": len(self._accounts),
            "sessions": len(self._sessions),
            "seconds_since_pull": since,
            "last_error": self.last_error,
        }
