"""SQL of the users table (hand-written, close to migration 0004)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from command_service.identity.errors import EmailTakenError, LastAdminError, UserNotFoundError
from shared.kit.auth.principal import Role

_COLUMNS = "user_id, email, name, password_hash, role, created_at"


@dataclass(frozen=True)
class User:
    user_id: UUID
    email: str
    name: str
    password_hash: str
    role: Role
    created_at: datetime

    def public(self) -> dict[str, Any]:
        """What the API shows of an account (never the hash)."""
        return {
            "user_id": self.user_id,
            "email": self.email,
            "name": self.name,
            "role": self.role,
            "created_at": self.created_at,
        }


def _user(row: asyncpg.Record | None) -> User | None:
    return None if row is None else User(**dict(row))


async def create(
    db: asyncpg.Connection | asyncpg.Pool,
    user_id: UUID,
    email: str,
    name: str,
    password_hash: str,
    role: Role,
) -> User:
    """Insert an account; EmailTakenError if the normalised e-mail is in use."""
    try:
        row = await db.fetchrow(
            f"INSERT INTO users (user_id, email, name, password_hash, role)"
            f" VALUES ($1, $2, $3, $4, $5) RETURNING {_COLUMNS}",
            user_id,
            email,
            name,
            password_hash,
            role,
        )
    except asyncpg.UniqueViolationError as exc:
        raise EmailTakenError(f"{email} is already registered") from exc
    user = _user(row)
    assert user is not None
    return user


async def by_email(db: asyncpg.Connection | asyncpg.Pool, email: str) -> User | None:
    return _user(await db.fetchrow(f"SELECT {_COLUMNS} FROM users WHERE email = $1", email))


async def by_id(db: asyncpg.Connection | asyncpg.Pool, user_id: UUID) -> User | None:
    return _user(await db.fetchrow(f"SELECT {_COLUMNS} FROM users WHERE user_id = $1", user_id))


async def set_password(db: asyncpg.Connection | asyncpg.Pool, user_id: UUID, hashed: str) -> None:
    await db.execute(
        "UPDATE users SET password_hash = $2, updated_at = now() WHERE user_id = $1",
        user_id,
        hashed,
    )


async def set_role(pool: asyncpg.Pool, user_id: UUID, role: Role, changed_by: str) -> User:
    """Change a role with an audit row; refuses to demote the last admin."""
    async with pool.acquire() as conn, conn.transaction():
        # Serialise role changes so two admins cannot demote each other at once.
        await conn.execute("LOCK TABLE role_changes IN EXCLUSIVE MODE")
        user = _user(
            await conn.fetchrow(f"SELECT {_COLUMNS} FROM users WHERE user_id = $1", user_id)
        )
        if user is None:
            raise UserNotFoundError(f"no user with id {user_id}")
        if user.role == role:
            return user
        if user.role == "admin":
            admins = await conn.fetchval("SELECT count(*) FROM users WHERE role = 'admin'")
            if admins <= 1:
                raise LastAdminError("promote another admin before demoting the last one")
        await conn.execute(
            "UPDATE users SET role = $2, updated_at = now() WHERE user_id = $1", user_id, role
        )
        await conn.execute(
            "INSERT INTO role_changes (user_id, old_role, new_role, changed_by)"
            " VALUES ($1, $2, $3, $4)",
            user_id,
            user.role,
            role,
            changed_by,
        )
    return User(**{**user.__dict__, "role": role})
