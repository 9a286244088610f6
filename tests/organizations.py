"""Another organization for isolation tests: its row, a member, a token naming it."""

from __future__ import annotations

import uuid
from typing import Any

import jwt

from shared.kit.auth.tokens import ALGORITHM, TOKEN_TYPE


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
    """An access token of a new account of the organization, carrying claim `org`.

    The account's token is re-signed with the issuer's own key plus the claim, whatever
    claims the identity service itself puts in."""
    user_id = uuid.uuid4()
    await pool.execute(
        "INSERT INTO users (user_id, email, name, password_hash, role, organization_id)"
        " VALUES ($1, $2, 'Member', '!', $3, $4)",
        user_id,
        f"{user_id}@members.example",
        role,
        organization_id,
    )
    token = await identity.access_token(user_id, role)
    claims = jwt.decode(token, options={"verify_signature": False})
    claims["org"] = str(organization_id)
    kid, private = await identity.keys.signing_key()
    return jwt.encode(claims, private, algorithm=ALGORITHM, headers={"kid": kid, "typ": TOKEN_TYPE})
