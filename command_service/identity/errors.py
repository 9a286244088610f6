"""Identity errors, each with its HTTP status (rendered as problem+json)."""

from __future__ import annotations

from shared.kit.http.errors import HttpProblem


class EmailTakenError(HttpProblem):
    """Another account already uses this e-mail address."""

    status = 409
    title = "E-mail already registered"


class InvalidCredentialsError(HttpProblem):
    """Unknown e-mail or wrong password (deliberately not told apart)."""

    status = 401
    title = "Invalid credentials"

    def __init__(self) -> None:
        super().__init__(
            "e-mail or password is wrong", {"WWW-Authenticate": 'Bearer realm="fleetledger"'}
        )


class UserNotFoundError(HttpProblem):
    """No account with that id."""

    status = 404
    title = "User not found"


class LastAdminError(HttpProblem):
    """The change would leave an organization without an admin."""

    status = 409
    title = "Last admin"


class AccountDisabledError(HttpProblem):
    """The credentials are right but an admin disabled the account."""

    status = 403
    title = "Account disabled"


class OrganizationNotFoundError(HttpProblem):
    """No organization with that id or slug, or one the caller may not see."""

    status = 404
    title = "Organization not found"


class SlugTakenError(HttpProblem):
    """Another organization already uses this slug."""

    status = 409
    title = "Slug taken"
