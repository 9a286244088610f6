"""Identity use cases: register, sign in, refresh, sign out, change roles, bootstrap."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg
import jwt
import structlog

from command_service.identity import refresh_tokens, users
from command_service.identity.errors import (
    EmailTakenError,
    InvalidCredentialsError,
    UserNotFoundError,
)
from command_service.identity.keys import KeyRing
from command_service.identity.passwords import Passwords
from command_service.identity.throttle import LoginThrottle
from command_service.identity.users import User
from shared.kit.auth.errors import InvalidTokenError
from shared.kit.auth.principal import Principal, Role
from shared.kit.auth.tokens import ACCESS_TOKEN_TTL_S, ALGORITHM, AUDIENCE, ISSUER, TOKEN_TYPE

log = structlog.get_logger("command_service.identity")


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int = ACCESS_TOKEN_TTL_S

    def body(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "token_type": "bearer",
            "expires_in": self.expires_in,
        }


class Identity:
    """Accounts and tokens over the command database."""

    def __init__(
        self, pool: asyncpg.Pool, keys: KeyRing, passwords: Passwords, throttle: LoginThrottle
    ) -> None:
        self._pool = pool
        self.keys = keys
        self._passwords = passwords
        self._throttle = throttle

    async def register(self, email: str, password: str, name: str, role: Role = "customer") -> User:
        hashed = await self._passwords.hash(password)
        user = await users.create(self._pool, uuid.uuid4(), email, name, hashed, role)
        log.info("user_registered", user_id=str(user.user_id), role=role)
        return user

    async def sign_in(self, email: str, password: str, address: str) -> TokenPair:
        """Check credentials under both throttles; a new refresh-token family on success."""
        await self._throttle.attempt_from(address)
        await self._throttle.check_account(email)
        user = await users.by_email(self._pool, email)
        if user is None:
            await self._passwords.verify_decoy(password)
        if user is None or not await self._passwords.verify(user.password_hash, password):
            await self._throttle.failed(email)
            log.info("sign_in_failed", address=address)
            raise InvalidCredentialsError()
        if self._passwords.needs_rehash(user.password_hash):
            await users.set_password(self._pool, user.user_id, await self._passwords.hash(password))
        log.info("signed_in", user_id=str(user.user_id))
        return await self._pair(user, uuid.uuid4())

    async def refresh(self, token: str) -> TokenPair:
        """Exchange a refresh token for a new pair (with the account's current role)."""
        rotated = await refresh_tokens.consume(self._pool, token)
        user = await users.by_id(self._pool, rotated.user_id)
        if user is None:
            raise InvalidTokenError("the account no longer exists")
        return await self._pair(user, rotated.family_id)

    async def sign_out(self, token: str) -> None:
        await refresh_tokens.revoke(self._pool, token)

    async def account(self, user_id: UUID) -> User:
        user = await users.by_id(self._pool, user_id)
        if user is None:
            raise UserNotFoundError(f"no user with id {user_id}")
        return user

    async def change_role(self, user_id: UUID, role: Role, by: Principal) -> User:
        user = await users.set_role(self._pool, user_id, role, by.actor)
        log.info("role_changed", user_id=str(user_id), role=role, by=by.actor)
        return user

    async def access_token(self, user_id: UUID, role: Role, ttl_s: int = ACCESS_TOKEN_TTL_S) -> str:
        """A signed access token for the account (RFC 9068 claims)."""
        kid, private = await self.keys.signing_key()
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": str(user_id),
            "role": role,
            "iat": now,
            "nbf": now,
            "exp": now + ttl_s,
            "jti": uuid.uuid4().hex,
        }
        headers = {"kid": kid, "typ": TOKEN_TYPE}
        return jwt.encode(claims, private, algorithm=ALGORITHM, headers=headers)

    async def _pair(self, user: User, family_id: UUID) -> TokenPair:
        access = await self.access_token(user.user_id, user.role)
        refresh = await refresh_tokens.issue(self._pool, user.user_id, family_id)
        return TokenPair(access, refresh)

    async def ensure_account(self, email: str, password: str, role: Role, reset: bool) -> User:
        """Create an account if absent (bootstrap); with `reset`, also set its password."""
        user = await users.by_email(self._pool, email)
        if user is None:
            try:
                return await self.register(email, password, email.split("@")[0], role)
            except EmailTakenError:  # another worker created it first: fall through
                user = await users.by_email(self._pool, email)
                if user is None:
                    raise
        if reset and not await self._passwords.verify(user.password_hash, password):
            await users.set_password(self._pool, user.user_id, await self._passwords.hash(password))
        if reset and user.role != role:
            user = await users.set_role(self._pool, user.user_id, role, "system:bootstrap")
        return user
