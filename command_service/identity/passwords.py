"""Password hashing with argon2id, off the event loop and bounded in memory."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class Passwords:
    """argon2id hashes (RFC 9106 parameters by default); at most `concurrency` at once.

    Each hash takes `memory_kib` of RAM and tens of milliseconds of CPU, so a burst of
    sign-ins queues here instead of exhausting memory or stalling other requests.
    """

    def __init__(
        self,
        time_cost: int = 3,
        memory_kib: int = 65536,
        parallelism: int = 4,
        concurrency: int = 2,
    ) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
        )
        self._slots = asyncio.Semaphore(concurrency)
        self._decoy: str | None = None

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        """Whether `password` matches; a corrupt stored hash counts as no match."""
        async with self._slots:
            try:
                return await asyncio.to_thread(self._hasher.verify, password_hash, password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return False

    async def verify_decoy(self, password: str) -> None:
        """Spend the time of a real check, so unknown e-mails answer as slowly as known ones."""
        if self._decoy is None:
            self._decoy = await self.hash("decoy-password-for-timing")
        await self.verify(self._decoy, password)

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether the hash was made with weaker parameters than today's."""
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True
