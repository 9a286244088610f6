"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from starlette.responses import PlainTextResponse, Response

from command_service.api import response_models as rm
from shared.kit.http.responses import JSON, problem
from shared.kit.metrics import render_metrics

router = APIRouter(tags=["operations"])
RELAY_STALE_S = 30.0  # a relay failing for this long makes the replica unready


@router.get("/healthz", response_model=rm.Alive)
async def healthz() -> JSON:
    """The process is alive."""
    return JSON({"status": "ok"})


@router.get("/readyz", response_model=rm.Ready)
async def readyz(request: Request) -> Response:
    """Ready when the database answers and the relay (if this replica leads it) publishes."""
    try:
        await asyncio.wait_for(request.app.state.pool.fetchval("SELECT 1"), timeout=2)
    except (OSError, TimeoutError, Exception) as exc:
        return problem(503, "Not ready", f"database unavailable: {type(exc).__name__}", "not-ready")
    body = {
        "status": "ready",
        "database": "ok",
        "sweeper_leader": request.app.state.sweeper.is_leader,
    }
    relay = request.app.state.relay
    if relay is not None:
        body["relay"] = status = relay.status()
        stale = status["seconds_since_success"]
        if status["last_error"] and (stale is None or stale > RELAY_STALE_S):
            return problem(
                503,
                "Not ready",
                f"relay failing: {status['last_error']}",
                "not-ready",
                relay=status,
            )
    return JSON(body)


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def metrics() -> Response:
    """Prometheus exposition (merged across workers when multiprocess mode is on)."""
    body, content_type = render_metrics()
    return Response(body, media_type=content_type)
