"""Who a command comes from, and the one ownership rule the vehicle enforces with it."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from command_service.domain.errors import OwnershipError


@dataclass(frozen=True)
class Actor:
    """A customer acts only for themselves; staff and the system act for anyone."""

    user_id: UUID | None = None
    staff: bool = True

    def require_may_act_for(self, customer_id: UUID, what: str) -> None:
        """OwnershipError unless this actor may act for `customer_id`."""
        if not self.staff and customer_id != self.user_id:
            raise OwnershipError(f"{what} belongs to another customer")


SYSTEM = Actor()


def customer(user_id: UUID) -> Actor:
    return Actor(user_id=user_id, staff=False)
