"""Errors that carry their own HTTP status: raised anywhere, rendered as problem+json."""

from __future__ import annotations


class HttpProblem(Exception):
    """Base of errors with a fixed status; `headers` go out with the response."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}
