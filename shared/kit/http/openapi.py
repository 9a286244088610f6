"""OpenAPI declarations of the problem+json answers, so clients (and schemathesis) see
every status a route can give."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

DESCRIPTIONS = {
    400: "Malformed request (JSON, header or token)",
    401: "No valid access token (WWW-Authenticate says why)",
    403: "The caller's role or ownership does not allow this",
    404: "Unknown id",
    405: "Method not allowed",
    409: "Conflicts with the current state (calendar 409s list `conflicts`)",
    412: "If-Match names a stale version",
    413: "Request body over the cap",
    422: "Invalid request (`errors` lists the fields)",
    429: "Too many attempts (Retry-After)",
    503: "Temporarily unavailable (Retry-After)",
}


class FieldProblem(BaseModel):
    field: str
    message: str
    type: str | None = None


class ProblemDetails(BaseModel):
    """RFC 9457 problem details (`application/problem+json`)."""

    type: str = Field(examples=["urn:fleetledger:problem:not-authenticated"])
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] | None = Field(None, description="Present on 422.")


def problem_responses(
    *statuses: int, described: dict[int, str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entry documenting problem+json answers with these statuses
    (`described` overrides the generic descriptions)."""
    descriptions = {**DESCRIPTIONS, **(described or {})}
    return {
        status: {
            "model": ProblemDetails,
            "description": descriptions[status],
            "content": {"application/problem+json": {}},
        }
        for status in statuses
    }


AUTH_PROBLEMS = problem_responses(401, 403)
COMMAND_PROBLEMS = problem_responses(400, 401, 403, 404, 409, 412, 413, 422, 429, 503)
