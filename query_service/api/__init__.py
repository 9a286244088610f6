"""The query service's HTTP API: read routes, SSE stream, problem+json errors."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from query_service.api.errors import install_query_errors
from query_service.api.routes import (
    availability,
    bookings,
    holds,
    maintenance,
    stream,
    trips,
    vehicles,
)
from shared.http.problems import install_common_handlers

_OPS_MODULE = "query_service.api.routes.ops"


def _ops_router() -> APIRouter | None:
    """healthz/readyz/metrics, owned by the pipeline side (absent in a partial checkout)."""
    try:
        from query_service.api.routes import ops
    except ModuleNotFoundError as exc:
        if exc.name != _OPS_MODULE:
            raise
        return None
    router: APIRouter = ops.router
    return router


def install_api(app: FastAPI) -> None:
    """Routes and error handlers of the read API."""
    install_common_handlers(app)
    install_query_errors(app)
    for module in (availability, vehicles, bookings, holds, trips, maintenance, stream):
        app.include_router(module.router)
    ops = _ops_router()
    if ops is not None:
        app.include_router(ops)
