"""Another organization for isolation tests: its row, a member, a token naming it."""

from __future__ import annotations

import uuid
from typing import Any


async def create_organization(pool: Any, slug: str | None = None) -> uuid.UUID:
    """A new organization (as a platform admin would create it)."""
    organization_id = uuid.uuid4()
    slug = slug or f"org-{organization_id.hex[:8]}"
    await pool.execute(
        "INSERT INTO organizations (organization_id, slug, name, created_by)"
        " VALUES ($1, $2, $3, 'test')",
        organization_id,
        slug,
        slug.title(),
    )
    return organization_id


async def member_token(identity: Any, pool: Any, organization_id: uuid.UUID, role: str) -> str:
    """An access token (claim `org` included) of a new account of the organization."""
    user_id = uuid.uuid4()
    await pool.execute(
        "INSERT INTO users (user_id, email, name, password_hash, role, organization_id)"
        " VALUES ($1, $2, 'Member', '!', $3, $4)",
        user_id,
        f"{user_id}@members.example",
        role,
        organization_id,
    )
    token: str = await identity.access_token(user_id, role, organization_id)
    return token
