"""Whom staff may book for: the accounts of their own organization (corporate pools).

A customer id that is no account of the caller's organization, another organization's
or none at all, is refused alike, as an unknown customer: the answer never tells which.
"""

from __future__ import annotations

from uuid import UUID

import asyncpg

from command_service.domain.errors import UnknownEntityError
from command_service.identity.users import member
from command_service.store.cache import LruCache


class Customers:
    """Membership checks, with known members remembered (an account never changes
    organization and is never deleted, so a yes stays true)."""

    def __init__(self, pool: asyncpg.Pool, capacity: int = 10_000) -> None:
        self._pool = pool
        self._members: LruCache[tuple[UUID, UUID], bool] = LruCache(capacity)

    async def require_member(self, customer_id: UUID, organization_id: UUID) -> None:
        """UnknownEntityError (404) unless `customer_id` is an account of the organization."""
        key = (customer_id, organization_id)
        if self._members.get(key):
            return
        if await member(self._pool, customer_id, organization_id) is None:
            raise UnknownEntityError.of("customer", customer_id)
        self._members.put(key, True)
