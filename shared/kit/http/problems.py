"""Problem+json handlers every service installs: validation, HTTP errors, the unexpected."""

from __future__ import annotations

import re
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from shared.kit.http.errors import HttpProblem
from shared.kit.http.responses import problem

log = structlog.get_logger("fleet.problems")


def slug_of(exception_name: str) -> str:
    """`OverlappingBlockError` → `overlapping-block`."""
    base = exception_name.removesuffix("Error")
    return re.sub(r"(?<!^)(?=[A-Z])", "-", base).lower()


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or str(loc[0] if loc else "body")


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
        422,
        "Invalid request",
        "the request does not match the schema",
        "validation",
        errors=fields,
    )


_HTTP_TITLES = {404: ("Not found", "not-found"), 405: ("Method not allowed", "method-not-allowed")}


async def _http_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    title, slug = _HTTP_TITLES.get(exc.status_code, ("HTTP error", "http-error"))
    return problem(exc.status_code, title, str(exc.detail), slug)


async def _http_problem(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, HttpProblem)
    return problem(exc.status, exc.title, exc.detail, slug_of(type(exc).__name__), exc.headers)


async def _unexpected(_: Request, exc: Exception) -> Response:
    log.exception("unhandled_error", error=type(exc).__name__)
    return problem(500, "Internal error", "an unexpected error occurred", "internal")


def install_common_handlers(app: FastAPI) -> None:
    """Request validation → 400/422, routing errors → 404/405, HttpProblem → its status,
    anything else → 500."""
    app.add_exception_handler(HttpProblem, _http_problem)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
