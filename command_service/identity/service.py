"""Identity use cases: organizations, register, sign in, refresh, sign out, change roles,
bootstrap."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg
import jwt
import structlog

from command_service.identity import organizations, refresh_tokens, revocations, users
from command_service.identity.errors import (
    AccountDisabledError,
    EmailTakenError,
    InvalidCredentialsError,
)
from command_service.identity.keys import KeyRing
from command_service.identity.organizations import Organization
from command_service.identity.passwords import Passwords
from command_service.identity.throttle import LoginThrottle
from command_service.identity.users import EVERY_ACCOUNT, Reach, User
from shared.contract.organizations import DEFAULT_ORGANIZATION_ID
from shared.kit.auth.errors import InvalidTokenError
from shared.kit.auth.principal import Principal, Role
from shared.kit.auth.revocations import Revocations
from shared.kit.auth.tokens import (
    ACCESS_TOKEN_TTL_S,
    ALGORITHM,
    AUDIENCE,
    ISSUER,
    TOKEN_TYPE,
    Verified,
)
from shared.kit.http.client_address import Network

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
        self,
        pool: asyncpg.Pool,
        keys: KeyRing,
        passwords: Passwords,
        throttle: LoginThrottle,
        trusted_proxies: tuple[Network, ...] = (),
    ) -> None:
        self._pool = pool
        self.trusted_proxies = trusted_proxies
        self.keys = keys
        self._passwords = passwords
        self._throttle = throttle
        self.revocations = Revocations(lambda cursor: revocations.after(pool, cursor))

    async def create_organization(self, slug: str, name: str, by: str) -> Organization:
        """A new organization (SlugTakenError when the slug is in use)."""
        found = await organizations.create(self._pool, uuid.uuid4(), slug, name, by)
        log.info("organization_created", organization_id=str(found.organization_id), by=by)
        return found

    async def organization(self, caller: Principal, organization_id: UUID) -> Organization:
        """The organization if `caller` may see it: its members and platform admins; any
        other caller gets exactly the answer of an unknown id."""
        if caller.role != "platform_admin" and caller.organization_id != organization_id:
            raise organizations.not_found(organization_id)
        return await organizations.by_id(self._pool, organization_id)

    async def set_payments(
        self, caller: Principal, organization_id: UUID, payments: organizations.Payments
    ) -> Organization:
        """Turn payments on or off for an organization `caller` may see (its admins and
        platform admins: the route admits only those roles)."""
        await self.organization(caller, organization_id)
        found = await organizations.set_payments(self._pool, organization_id, payments)
        log.info(
            "organization_payments_set",
            organization_id=str(organization_id),
            payments=payments,
            by=caller.actor,
        )
        return found

    async def add_staff(
        self,
        caller: Principal,
        organization_id: UUID,
        email: str,
        password: str,
        name: str,
        role: Role,
    ) -> User:
        """A fleet manager or admin of an organization `caller` may see (its admin or a
        platform admin: the route admits only those roles)."""
        organization = await self.organization(caller, organization_id)
        return await self.register(email, password, name, organization.organization_id, role)

    async def register(
        self,
        email: str,
        password: str,
        name: str,
        organization_id: UUID,
        role: Role = "customer",
    ) -> User:
        """Create an account (EmailTakenError when the address is in use)."""
        hashed = await self._passwords.hash(password)
        user = await users.create(
            self._pool, uuid.uuid4(), email, name, hashed, role, organization_id
        )
        log.info(
            "user_registered",
            user_id=str(user.user_id),
            role=role,
            organization_id=str(organization_id),
        )
        return user

    async def sign_up(
        self, email: str, password: str, name: str, address: str, organization: str
    ) -> User:
        """Self-registration at the organization with slug `organization`: throttled per
        address, and silent about taken addresses.

        A taken address gets the same answer as a free one (a new id, after the same
        argon2 work), so registering cannot probe which e-mails have accounts. Nothing
        is stored; the owner would be told by e-mail, once the product sends mail.
        """
        await self._throttle.registration_from(address)
        organization_id = (await organizations.by_slug(self._pool, organization)).organization_id
        try:
            return await self.register(email, password, name, organization_id)
        except EmailTakenError:
            log.info("registration_for_taken_email", address=address)
            return User(
                uuid.uuid4(), email, name, "", "customer", organization_id, datetime.now(UTC)
            )

    async def sign_in(self, email: str, password: str, address: str) -> TokenPair:
        """Check credentials under the throttles; a new refresh-token family on success."""
        await self._throttle.attempt_from(address)
        await self._throttle.check_account(email, address)
        user = await users.by_email(self._pool, email)
        if user is None:
            await self._passwords.verify_decoy(password)
        if user is None or not await self._passwords.verify(user.password_hash, password):
            await self._throttle.failed(email, address)
            log.info("sign_in_failed", address=address)
            raise InvalidCredentialsError()
        if user.disabled:  # told only to whoever knows the password
            raise AccountDisabledError("this account is disabled; ask an admin")
        if self._passwords.needs_rehash(user.password_hash):
            await users.set_password(self._pool, user.user_id, await self._passwords.hash(password))
        log.info("signed_in", user_id=str(user.user_id))
        return await self._pair(user, uuid.uuid4())

    async def refresh(self, token: str) -> TokenPair:
        """Exchange a refresh token for a new pair (with the account's current role)."""
        rotated = await refresh_tokens.consume(self._pool, token)
        user = await users.by_id(self._pool, rotated.user_id)
        if user is None or user.disabled:
            raise InvalidTokenError("the account is disabled")
        return await self._pair(user, rotated.family_id)

    async def sign_out(self, token: str) -> None:
        """End the session: its refresh tokens now, its access tokens within a second."""
        await refresh_tokens.revoke(self._pool, token)
        await self.revocations.poll()

    async def account(self, user_id: UUID) -> User:
        user = await users.by_id(self._pool, user_id)
        if user is None:
            raise users.not_found(user_id)
        return user

    async def change_role(self, user_id: UUID, role: Role, by: str, reach: Reach) -> User:
        """Give the account `role` (audited); its tokens with the old role are revoked."""
        user = await users.set_role(self._pool, user_id, role, by, reach)
        log.info("role_changed", user_id=str(user_id), role=role, by=by)
        await self.revocations.poll()
        return user

    async def set_disabled(self, user_id: UUID, disabled: bool, by: str, reach: Reach) -> User:
        """Disable (ending every session and token) or re-enable an account."""
        user = await users.set_disabled(self._pool, user_id, disabled, by, reach)
        log.info("account_disabled" if disabled else "account_enabled", user_id=str(user_id), by=by)
        await self.revocations.poll()
        return user

    async def reset_password(self, user_id: UUID, password: str, by: str, reach: Reach) -> None:
        """Set a password chosen by an admin; the account signs in again everywhere."""
        hashed = await self._passwords.hash(password)
        await users.reset_password(self._pool, user_id, hashed, reach)
        log.info("password_reset", user_id=str(user_id), by=by)
        await self.revocations.poll()

    async def check_subject(self, token: Verified) -> None:
        """First sight of a token: its account exists, is enabled, is a member of the
        token's organization and has not revoked it (later requests rely on the revocation
        feed)."""
        row = await self._pool.fetchrow(
            "SELECT disabled_at IS NOT NULL AS disabled, token_generation, organization_id"
            " FROM users WHERE user_id = $1",
            token.principal.user_id,
        )
        if row is None or row["disabled"]:
            raise InvalidTokenError("the account does not exist or is disabled")
        if row["organization_id"] != token.principal.organization_id:
            raise InvalidTokenError("the token names another organization than the account's")
        if token.generation < row["token_generation"]:
            raise InvalidTokenError("token revoked: the account's tokens were revoked")

    async def access_token(
        self,
        user_id: UUID,
        role: Role,
        organization_id: UUID,
        ttl_s: int = ACCESS_TOKEN_TTL_S,
        generation: int = 0,
        session_id: UUID | None = None,
    ) -> str:
        """A signed access token for the account (RFC 9068 claims, plus its organization,
        session and account generation, which revocations name)."""
        kid, private = await self.keys.signing_key()
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": str(user_id),
            "role": role,
            "org": str(organization_id),
            "iat": now,
            "nbf": now,
            "exp": now + ttl_s,
            "jti": uuid.uuid4().hex,
            "sid": str(session_id or uuid.uuid4()),
            "gen": generation,
        }
        headers = {"kid": kid, "typ": TOKEN_TYPE}
        return jwt.encode(claims, private, algorithm=ALGORITHM, headers=headers)

    async def _pair(self, user: User, family_id: UUID) -> TokenPair:
        access = await self.access_token(
            user.user_id,
            user.role,
            user.organization_id,
            generation=user.token_generation,
            session_id=family_id,
        )
        refresh = await refresh_tokens.issue(self._pool, user.user_id, family_id)
        return TokenPair(access, refresh)

    async def ensure_account(self, email: str, password: str, role: Role, reset: bool) -> User:
        """Create an account of `default` if absent (bootstrap); with `reset`, also set its
        password and role."""
        user = await users.by_email(self._pool, email)
        if user is None:
            try:
                name = email.split("@")[0]
                return await self.register(email, password, name, DEFAULT_ORGANIZATION_ID, role)
            except EmailTakenError:  # another worker created it first: fall through
                user = await users.by_email(self._pool, email)
                if user is None:
                    raise
        if reset and not await self._passwords.verify(user.password_hash, password):
            await users.set_password(self._pool, user.user_id, await self._passwords.hash(password))
        if reset and user.role != role:
            user = await users.set_role(
                self._pool, user.user_id, role, "system:bootstrap", EVERY_ACCOUNT
            )
        return user
