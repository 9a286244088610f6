"""Who a command comes from, and the rules the vehicle enforces with it: ownership and
organization."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from command_service.domain.errors import OwnershipError
from shared.contract.organizations import DEFAULT_ORGANIZATION_ID


@dataclass(frozen=True)
class Actor:
    """A customer acts only for themselves; staff and the system act for anyone.

    Everyone but the system acts inside one organization: another organization's
    vehicles, and everything on them, do not exist for them.
    """

    user_id: UUID | None = None
    staff: bool = True
    organization_id: UUID | None = None  # None: the system, which acts across organizations

    def sees(self, organization_id: UUID) -> bool:
        """Whether what belongs to `organization_id` exists for this actor."""
        return self.organization_id is None or self.organization_id == organization_id

    def may_act_for(self, customer_id: UUID) -> bool:
        """Whether this actor may act for (and see the records of) `customer_id`."""
        return self.staff or customer_id == self.user_id

    def require_may_act_for(self, customer_id: UUID, what: str) -> None:
        """OwnershipError unless this actor may make a new `what` for `customer_id`."""
        if not self.may_act_for(customer_id):
            raise OwnershipError(f"{what} cannot be made for another customer")


SYSTEM = Actor()


def customer(user_id: UUID, organization_id: UUID = DEFAULT_ORGANIZATION_ID) -> Actor:
    return Actor(user_id=user_id, staff=False, organization_id=organization_id)


def staff(user_id: UUID, organization_id: UUID) -> Actor:
    return Actor(user_id=user_id, staff=True, organization_id=organization_id)
