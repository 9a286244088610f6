"""RFC 9457 problem+json for every 4xx/5xx, mapped in one place."""

from __future__ import annotations

import re
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from command_service.application.errors import ContentionError
from command_service.domain.errors import (
    DomainError,
    FutureBookingsExistError,
    InvalidCommandError,
    OverlappingBlockError,
)
from shared.serialization import dumps

log = structlog.get_logger("command_service.problems")
PROBLEM_TYPE = "application/problem+json"


def problem(status: int, title: str, detail: str, slug: str, **extra: Any) -> Response:
    """A problem+json response; `slug` names the problem type."""
    body = {
        "type": f"urn:fleetledger:problem:{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }
    headers = {"Retry-After": "1"} if status in (429, 503) else None
    return Response(dumps(body), status_code=status, media_type=PROBLEM_TYPE, headers=headers)


def _slug(name: str) -> str:
    base = name.removesuffix("Error")
    return re.sub(r"(?<!^)(?=[A-Z])", "-", base).lower()


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p != "body"]
    return ".".join(parts) or "body"


async def _domain_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    extra: dict[str, Any] = {}
    if isinstance(exc, OverlappingBlockError | FutureBookingsExistError):
        extra["conflicts"] = [
            {"kind": c.kind, "id": c.id, "start": c.start, "end": c.end} for c in exc.conflicts
        ]
    if isinstance(exc, InvalidCommandError):
        extra["errors"] = [{"field": exc.field or "body", "message": exc.detail}]
    if isinstance(exc, ContentionError):
        log.warning("command_contention", detail=exc.detail)
    return problem(exc.status, exc.title, exc.detail, _slug(type(exc).__name__), **extra)


async def _validation_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return problem(
            400, "Malformed JSON", "the request body is not valid JSON", "malformed-json"
        )
    fields = [
        {
            "field": _field(tuple(e.get("loc", ()))),
            "message": e.get("msg", ""),
            "type": e.get("type", ""),
        }
        for e in errors
    ]
    return problem(
        422, "Invalid request", "the request does not match the schema", "validation", errors=fields
    )


async def _http_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    slug = {404: "not-found", 405: "method-not-allowed", 413: "payload-too-large"}.get(
        exc.status_code, "http-error"
    )
    title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "HTTP error")
    return problem(exc.status_code, title, str(exc.detail), slug)


async def _unexpected(_: Request, exc: Exception) -> Response:
    log.exception("unhandled_error", error=type(exc).__name__)
    return problem(500, "Internal error", "an unexpected error occurred", "internal")


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
