"""Who may read what: staff see everything; a customer only their own bookings, holds
and trips, and another customer's record answers 404 (its existence is not revealed)."""

from __future__ import annotations

from uuid import UUID

from shared.kit.auth.errors import ForbiddenError
from shared.kit.auth.principal import Principal


def customer_filter(caller: Principal, customer_id: UUID | None) -> UUID | None:
    """The customer_id filter a list runs with: a customer's lists are always their own."""
    if caller.is_staff:
        return customer_id
    if customer_id is not None and customer_id != caller.user_id:
        raise ForbiddenError("customers may list only their own records")
    return caller.user_id


def may_see(caller: Principal, owner: UUID) -> bool:
    """Whether the caller may see a record that belongs to `owner`."""
    return caller.is_staff or owner == caller.user_id
