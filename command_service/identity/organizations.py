"""SQL of the organizations table (migration 0008) and the one rule for slugs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

import asyncpg

from command_service.identity.errors import OrganizationNotFoundError, SlugTakenError

# A DNS label: 2-63 lower-case letters, digits and hyphens, a letter or digit at each end.
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$"
_SLUG = re.compile(SLUG_PATTERN)
_COLUMNS = "organization_id, slug, name, created_at, payments"
Payments = Literal["off", "required"]


def check_slug(slug: str) -> str:
    """`slug` unchanged; ValueError unless it follows SLUG_PATTERN."""
    if not _SLUG.fullmatch(slug):
        raise ValueError(
            "a slug has 2 to 63 lower-case letters, digits and hyphens, "
            "and begins and ends with a letter or digit"
        )
    return slug


@dataclass(frozen=True)
class Organization:
    organization_id: UUID
    slug: str
    name: str
    created_at: datetime
    payments: Payments = "off"

    def public(self) -> dict[str, Any]:
        """What the API shows of an organization."""
        return {
            "organization_id": self.organization_id,
            "name": self.name,
            "slug": self.slug,
            "payments": self.payments,
        }


def _organization(row: asyncpg.Record | None) -> Organization | None:
    return None if row is None else Organization(**dict(row))


def not_found(organization_id: UUID) -> OrganizationNotFoundError:
    """The one answer for an unknown organization and for one the caller may not see."""
    return OrganizationNotFoundError(f"no organization with id {organization_id}")


async def create(
    db: asyncpg.Connection | asyncpg.Pool,
    organization_id: UUID,
    slug: str,
    name: str,
    created_by: str,
) -> Organization:
    """Insert an organization; SlugTakenError when the slug is in use."""
    try:
        row = await db.fetchrow(
            "INSERT INTO organizations (organization_id, slug, name, created_by)"
            f" VALUES ($1, $2, $3, $4) RETURNING {_COLUMNS}",
            organization_id,
            check_slug(slug),
            name,
            created_by,
        )
    except asyncpg.UniqueViolationError as exc:
        raise SlugTakenError(f"the slug {slug} is taken") from exc
    found = _organization(row)
    assert found is not None
    return found


async def by_id(db: asyncpg.Connection | asyncpg.Pool, organization_id: UUID) -> Organization:
    """The organization; OrganizationNotFoundError when unknown."""
    row = await db.fetchrow(
        f"SELECT {_COLUMNS} FROM organizations WHERE organization_id = $1", organization_id
    )
    found = _organization(row)
    if found is None:
        raise not_found(organization_id)
    return found


async def by_slug(db: asyncpg.Connection | asyncpg.Pool, slug: str) -> Organization:
    """The organization with `slug`; OrganizationNotFoundError when there is none."""
    found = _organization(
        await db.fetchrow(f"SELECT {_COLUMNS} FROM organizations WHERE slug = $1", slug)
    )
    if found is None:
        raise OrganizationNotFoundError(f"no organization with slug {slug}")
    return found


async def set_payments(
    db: asyncpg.Connection | asyncpg.Pool, organization_id: UUID, payments: Payments
) -> Organization:
    """Set whether the organization's customers must pay for their holds."""
    found = _organization(
        await db.fetchrow(
            "UPDATE organizations SET payments = $2 WHERE organization_id = $1"
            f" RETURNING {_COLUMNS}",
            organization_id,
            payments,
        )
    )
    if found is None:
        raise not_found(organization_id)
    return found


async def payments_required(db: asyncpg.Connection | asyncpg.Pool, organization_id: UUID) -> bool:
    """Whether the organization's customers must book through a paid hold."""
    setting = await db.fetchval(
        "SELECT payments FROM organizations WHERE organization_id = $1", organization_id
    )
    return bool(setting == "required")
