"""Who is calling: the subject, role and organization an access token names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args
from uuid import UUID

from shared.contract.organizations import DEFAULT_ORGANIZATION_ID

# Roles a person can be given over the API; `service` is for machine accounts only.
# `admin` administers one organization; `platform_admin` creates organizations and sees
# no organization's fleet data.
PersonRole = Literal["customer", "fleet_manager", "admin"]
Role = Literal[PersonRole, "platform_admin", "service"]
ROLES: tuple[Role, ...] = (*get_args(PersonRole), "platform_admin", "service")
PERSON_ROLES: tuple[PersonRole, ...] = get_args(PersonRole)
STAFF: frozenset[Role] = frozenset({"fleet_manager", "admin"})


def as_role(value: object) -> Role | None:
    """The role `value` names, or None."""
    for role in ROLES:
        if value == role:
            return role
    return None


@dataclass(frozen=True)
class Principal:
    """An authenticated caller."""

    user_id: UUID
    role: Role
    organization_id: UUID = DEFAULT_ORGANIZATION_ID

    @property
    def organization_scope(self) -> UUID | None:
        """The organization whose data this caller reads; None: every one."""
        return None if self.sees_every_organization else self.organization_id

    @property
    def sees_every_organization(self) -> bool:
        """Machine accounts (the query service's healer, ops tools) read all of them."""
        return self.role == "service"

    @property
    def is_staff(self) -> bool:
        """Fleet managers and admins act on their organization's vehicles, bookings and
        trips (platform admins are not staff: they see no fleet data)."""
        return self.role in STAFF

    @property
    def operates_installation(self) -> bool:
        """Platform admins and `default`'s admins (the operators of an installation from
        before organizations) rotate signing keys and read the revocation feed."""
        if self.role == "platform_admin":
            return True
        return self.role == "admin" and self.organization_id == DEFAULT_ORGANIZATION_ID

    @property
    def actor(self) -> str:
        """How events' metadata names this caller."""
        return f"{self.role}:{self.user_id}"
