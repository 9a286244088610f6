"""Per-key asyncio locks: commands on one vehicle queue up inside a process.

Cross-process safety comes from the store's version check; this only stops a process
from racing itself, which turns most optimistic conflicts into a short wait.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass
class _Entry:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class KeyedLock:
    """A lock per key, created on demand and dropped when nobody holds or awaits it."""

    def __init__(self) -> None:
        self._entries: dict[Hashable, _Entry] = {}

    def held(self, key: Hashable) -> bool:
        """Whether a command holds the key's lock now (a newcomer would wait)."""
        entry = self._entries.get(key)
        return entry is not None and entry.lock.locked()

    @asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[bool]:
        """Hold the key's lock; yields True when another holder made us wait."""
        entry = self._entries.setdefault(key, _Entry())
        entry.users += 1
        waited = entry.lock.locked()
        try:
            async with entry.lock:
                yield waited
        finally:
            entry.users -= 1
            if entry.users == 0:
                del self._entries[key]
