"""Per-key asyncio locks: commands on one vehicle queue up inside a process.

Cross-process safety comes from the store's version check; this only stops a process
from racing itself, which turns most optimistic conflicts into a short wait.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager


class KeyedLock:
    """A lock per key, created on demand and dropped when nobody holds or awaits it."""

    def __init__(self) -> None:
        self._entries: dict[Hashable, list[asyncio.Lock | int]] = {}

    @asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[bool]:
        """Hold the key's lock; yields True when another holder made us wait."""
        entry = self._entries.setdefault(key, [asyncio.Lock(), 0])
        lock = entry[0]
        assert isinstance(lock, asyncio.Lock)
        entry[1] = int(entry[1]) + 1
        waited = lock.locked()
        try:
            async with lock:
                yield waited
        finally:
            entry[1] = int(entry[1]) - 1
            if entry[1] == 0:
                del self._entries[key]

    def __len__(self) -> int:
        return len(self._entries)
