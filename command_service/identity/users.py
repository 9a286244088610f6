"""SQL of the users table (hand-written, close to migration 0004)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from command_service.identity import revocations
from command_service.identity.errors import EmailTakenError, LastAdminError, UserNotFoundError
from shared.kit.auth.principal import Role

_COLUMNS = "user_id, email, name, password_hash, role, created_at, disabled_at, token_generation"
_LOCKED = f"SELECT {_COLUMNS} FROM users WHERE user_id = $1 FOR UPDATE"


@dataclass(frozen=True)
class User:
    user_id: UUID
    email: str
    name: str
    password_hash: str
    role: Role
    created_at: datetime
    disabled_at: datetime | None = None
    token_generation: int = 0

    @property
    def disabled(self) -> bool:
        return self.disabled_at is not None

    def public(self) -> dict[str, Any]:
        """What the API shows of an account (never the hash)."""
        return {
            "user_id": self.user_id,
            "email": self.email,
            "name": self.name,
            "role": self.role,
            "created_at": self.created_at,
            "disabled": self.disabled,
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


async def _locked(conn: asyncpg.Connection, user_id: UUID) -> User:
    """The account, row-locked for this transaction; 404 when unknown."""
    user = _user(await conn.fetchrow(_LOCKED, user_id))
    if user is None:
        raise UserNotFoundError(f"no user with id {user_id}")
    return user


async def _keep_an_admin(conn: asyncpg.Connection, user: User) -> None:
    """Refuse a change that removes `user` from the enabled admins if they are the last."""
    if user.role != "admin" or user.disabled:
        return
    admins = await conn.fetchval(
        "SELECT count(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL"
    )
    if admins <= 1:
        raise LastAdminError("promote another admin before demoting or disabling the last one")


async def set_role(pool: asyncpg.Pool, user_id: UUID, role: Role, changed_by: str) -> User:
    """Change a role with an audit row and void the old role's access tokens; refuses to
    demote the last admin."""
    async with pool.acquire() as conn, conn.transaction():
        # Serialise role changes so two admins cannot demote each other at once.
        await conn.execute("LOCK TABLE role_changes IN EXCLUSIVE MODE")
        user = await _locked(conn, user_id)
        if user.role == role:
            return user
        await _keep_an_admin(conn, user)
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
        generation = await revocations.revoke_account(conn, user_id, f"role {role}")
    return User(**{**user.__dict__, "role": role, "token_generation": generation})


async def set_disabled(pool: asyncpg.Pool, user_id: UUID, disabled: bool, by: str) -> User:
    """Disable (voiding every token and session) or re-enable an account."""
    async with pool.acquire() as conn, conn.transaction():
        # The same lock as role changes: two admins cannot disable each other at once.
        await conn.execute("LOCK TABLE role_changes IN EXCLUSIVE MODE")
        user = await _locked(conn, user_id)
        if disabled and not user.disabled:
            await _keep_an_admin(conn, user)
            await revoke_sessions(conn, user_id)
            await revocations.revoke_account(conn, user_id, f"disabled by {by}")
        row = await conn.fetchrow(
            "UPDATE users SET disabled_at = CASE WHEN $2 THEN coalesce(disabled_at, now()) END,"
            " disabled_by = CASE WHEN $2 THEN $3 END, updated_at = now()"
            f" WHERE user_id = $1 RETURNING {_COLUMNS}",
            user_id,
            disabled,
            by,
        )
    found = _user(row)
    assert found is not None
    return found


async def reset_password(pool: asyncpg.Pool, user_id: UUID, hashed: str) -> None:
    """Set a new password and end every session and access token of the account."""
    async with pool.acquire() as conn, conn.transaction():
        await _locked(conn, user_id)
        await set_password(conn, user_id, hashed)
        await revoke_sessions(conn, user_id)
        await revocations.revoke_account(conn, user_id, "password reset")


async def revoke_sessions(conn: asyncpg.Connection, user_id: UUID) -> None:
    """Revoke every refresh token of the account (its access tokens: revoke_account)."""
    await conn.execute(
        "UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL",
        user_id,
    )


async def member_of_organization(
    db: asyncpg.Connection | asyncpg.Pool, user_id: UUID, organization_id: UUID
) -> bool:
    """Whether the account `user_id` exists and belongs to `organization_id`."""
    found = await db.fetchval(
        "SELECT EXISTS (SELECT 1 FROM users WHERE user_id = $1 AND organization_id = $2)",
        user_id,
        organization_id,
    )
    return bool(found)
