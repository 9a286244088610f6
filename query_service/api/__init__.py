"""The query service's HTTP API: read routes, SSE stream, problem+json errors."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI

from query_service.api.errors import install_query_errors
from query_service.api.routes import (
    analytics,
    availability,
    bookings,
    holds,
    locations,
    maintenance,
    payments,
    pricing,
    sign_in,
    stream,
    trips,
    vehicles,
    what_if,
)
from shared.kit.auth.dependencies import require_role
from shared.kit.http.openapi import AUTH_PROBLEMS
from shared.kit.http.problems import install_common_handlers

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
    # Who may call what (API.md §Identity); bookings, holds, trips and payments are further scoped
    # to the caller's own records for customers (api/access.py).
    everyone = [Depends(require_role("customer", "fleet_manager", "admin"))]
    staff = [Depends(require_role("fleet_manager", "admin"))]
    for module in (availability, bookings, holds, trips, locations, payments):
        app.include_router(module.router, dependencies=everyone, responses=AUTH_PROBLEMS)
    for module in (vehicles, maintenance, stream, analytics, pricing, what_if):
        app.include_router(module.router, dependencies=staff, responses=AUTH_PROBLEMS)
    app.include_router(sign_in.router)  # /docs' Authorize, relayed to the command service
    ops = _ops_router()
    if ops is not None:
        app.include_router(ops)
