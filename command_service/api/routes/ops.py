"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from starlette.responses import Response

from command_service.api.http import JSON
from command_service.api.problems import problem
from command_service.metrics import render_metrics

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> JSON:
    """The process is alive."""
    return JSON({"status": "ok"})


@router.get("/readyz", response_model=None)
async def readyz(request: Request) -> Response:
    """Ready when the database answers; reports whether this replica runs the sweeper."""
    try:
        await asyncio.wait_for(request.app.state.pool.fetchval("SELECT 1"), timeout=2)
    except (OSError, TimeoutError, Exception) as exc:
        return problem(503, "Not ready", f"database unavailable: {type(exc).__name__}", "not-ready")
    sweeper = request.app.state.sweeper
    return JSON({"status": "ready", "database": "ok", "sweeper_leader": sweeper.is_leader})


@router.get("/metrics")
async def metrics() -> Response:
    """Prometheus exposition (merged across workers when multiprocess mode is on)."""
    body, content_type = render_metrics()
    return Response(body, media_type=content_type)
