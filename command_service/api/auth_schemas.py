"""Request bodies of the identity endpoints (strict, like every command body)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from command_service.api.schemas import Strict
from command_service.identity.emails import normalise_email
from shared.kit.auth.principal import PersonRole

# NIST SP 800-63B: at least 8 characters, allow long passphrases, no composition rules.
Password = Annotated[str, Field(min_length=8, max_length=256)]
OpaqueToken = Annotated[str, Field(min_length=1, max_length=512)]


class Credentials(Strict):
    email: Annotated[str, Field(min_length=3, max_length=320)]
    password: Password

    @field_validator("email")
    @classmethod
    def _normalised(cls, value: str) -> str:
        return normalise_email(value)


class RegisterBody(Credentials):
    name: Annotated[str, Field(min_length=1, max_length=200)]

    @field_validator("name")
    @classmethod
    def _trimmed(cls, value: str) -> str:
        if not value.strip() or not value.isprintable():
            raise ValueError("name must be printable text")
        return value.strip()


class RefreshBody(Strict):
    refresh_token: OpaqueToken


class RoleBody(Strict):
    role: PersonRole  # `service` is for machine accounts, given only at start-up


class PasswordBody(Strict):
    password: Password
