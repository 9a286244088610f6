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

    def may_act_for(self, customer_id: UUID) -> bool:
        """Whether this actor may act for (and see the records of) `customer_id`."""
        return self.staff or customer_id == self.user_id

    def require_may_act_for(self, customer_id: UUID, what: str) -> None:
        """OwnershipError unless this actor may make a new `what` for `customer_id`."""
        if not self.may_act_for(customer_id):
            raise OwnershipError(f"{what} cannot be made for another customer")


SYSTEM = Actor()


def customer(user_id: UUID) -> Actor:
    return Actor(user_id=user_id, staff=False)
