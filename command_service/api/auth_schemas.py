"""Request bodies of the identity endpoints (strict, like every command body)."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import AfterValidator, Field, ValidationError, field_validator

from command_service.api.schemas import Strict, example
from command_service.identity.emails import EMAIL_PATTERN, normalise_email
from command_service.identity.organizations import SLUG_PATTERN, check_slug
from shared.contract.organizations import DEFAULT_ORGANIZATION_SLUG
from shared.kit.auth.principal import PersonRole

# NIST SP 800-63B: at least 8 characters, allow long passphrases, no composition rules.
Password = Annotated[str, Field(min_length=8, max_length=256)]
OpaqueToken = Annotated[str, Field(min_length=1, max_length=512)]


def _printable(value: str) -> str:
    if not value.strip() or not value.isprintable():
        raise ValueError("must be printable text")
    return value.strip()


Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_printable)]
Slug = Annotated[
    str,
    Field(
        min_length=2,
        max_length=63,
        description="2-63 lower-case letters, digits and hyphens, beginning and ending with "
        "a letter or digit.",
        json_schema_extra={"pattern": SLUG_PATTERN},
    ),
    AfterValidator(check_slug),
]


class Credentials(Strict):
    model_config = example(email="ada@example.org", password="correct horse battery")
    email: Annotated[
        str,
        Field(
            min_length=3,
            max_length=320,
            description="An e-mail address; compared trimmed and in lower case.",
            json_schema_extra={"pattern": EMAIL_PATTERN},
        ),
    ]
    password: Password

    @field_validator("email")
    @classmethod
    def _normalised(cls, value: str) -> str:
        return normalise_email(value)


class NewAccount(Credentials):
    name: Name


class RegisterBody(NewAccount):
    model_config = example(
        email="ada@example.org", password="correct horse battery", name="Ada Lovelace"
    )
    organization: Slug = Field(
        DEFAULT_ORGANIZATION_SLUG, description="The slug of the organization to join."
    )


class StaffBody(NewAccount):
    model_config = example(
        email="grace@example.org",
        password="correct horse battery",
        name="Grace Hopper",
        role="fleet_manager",
    )
    role: Literal["fleet_manager", "admin"]


class OrganizationBody(Strict):
    model_config = example(name="Acme Rentals", slug="acme-rentals")
    name: Name
    slug: Slug


class OrganizationPatch(Strict):
    model_config = example(payments="required")
    payments: Literal["off", "required"]


class RefreshBody(Strict):
    model_config = example(refresh_token="the refresh_token of POST /v1/auth/token")
    refresh_token: OpaqueToken


class RoleBody(Strict):
    model_config = example(role="fleet_manager")
    role: PersonRole  # `service` is for machine accounts, given only at start-up


class PasswordBody(Strict):
    model_config = example(password="a new correct horse battery")
    password: Password


FORM = "application/x-www-form-urlencoded"
# The request body of the OAuth2 password grant (RFC 6749 §4.3.2), for the OpenAPI document.
PASSWORD_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            FORM: {
                "schema": {
                    "type": "object",
                    "required": ["username", "password"],
                    "properties": {
                        "grant_type": {"type": "string", "enum": ["password"]},
                        "username": {"type": "string", "description": "The e-mail address."},
                        "password": {"type": "string", "format": "password"},
                        "scope": {"type": "string"},
                    },
                }
            }
        },
    }
}


async def password_form(request: Request) -> Credentials:
    """The credentials of an OAuth2 password-grant form (username = e-mail); 422 otherwise."""
    fields = parse_qs((await request.body()).decode(errors="replace"), keep_blank_values=True)
    first = {name: values[0] for name, values in fields.items()}
    problems: list[dict[str, Any]] = []
    if not request.headers.get("content-type", "").startswith(FORM):
        problems.append(_problem("content-type", f"the body must be {FORM}"))
    if first.get("grant_type", "password") != "password":
        problems.append(_problem("grant_type", "only the password grant is supported"))
    if problems:
        raise RequestValidationError(problems)
    try:
        return Credentials(email=first.get("username", ""), password=first.get("password", ""))
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", _form_name(e["loc"]))} for e in exc.errors()]
        raise RequestValidationError(errors) from exc


def _form_name(loc: tuple[int | str, ...]) -> str:
    """The form field a Credentials error is about (the e-mail travels as `username`)."""
    name = str(loc[0]) if loc else "body"
    return "username" if name == "email" else name


def _problem(field: str, message: str) -> dict[str, Any]:
    return {"loc": ("body", field), "msg": message, "type": "value_error"}
