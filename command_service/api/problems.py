"""Domain and application errors → RFC 9457 problem+json, mapped in one place."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from starlette.responses import Response

from command_service.application.errors import ContentionError
from command_service.domain.errors import (
    DomainError,
    FutureBookingsExistError,
    InvalidCommandError,
    OverlappingBlockError,
)
from shared.http.problems import install_common_handlers, slug_of
from shared.http.responses import problem

log = structlog.get_logger("command_service.problems")


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
    return problem(exc.status, exc.title, exc.detail, slug_of(type(exc).__name__), **extra)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    install_common_handlers(app)
