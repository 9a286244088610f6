"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import PlainTextResponse, Response

from command_service.api import response_models as rm
from shared.kit.http.responses import JSON, problem
from shared.kit.metrics import render_metrics

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=rm.Alive)
async def healthz() -> JSON:
    """The process is alive."""
    return JSON({"status": "ok"})


@router.get("/readyz", response_model=rm.Ready)
async def readyz(request: Request) -> Response:
    """Ready when the database answers: this replica can take commands.

    The relay is reported, never a reason to refuse traffic: commands land in the event
    store whatever the broker does (the relay catches up from its checkpoint), and a
    standby worker, which does not lead the relay, is as ready as the leader.
    """
    try:
        await asyncio.wait_for(request.app.state.pool.fetchval("SELECT 1"), timeout=2)
    except (OSError, TimeoutError, Exception) as exc:
        return problem(503, "Not ready", f"database unavailable: {type(exc).__name__}", "not-ready")
    body = {
        "status": "ready",
        "database": "ok",
        "sweeper_leader": request.app.state.sweeper.is_leader,
        "revocations": request.app.state.identity.revocations.status(),
    }
    relay = request.app.state.relay
    if relay is not None:
        body["relay"] = relay_state(relay.status())
    return JSON(body)


def relay_state(status: dict[str, Any]) -> dict[str, Any]:
    """The relay's status with this worker's part in it (leading or standby); a failing
    relay shows in `last_error`, `seconds_since_success` and the relay metrics."""
    return {**status, "state": "leading" if status["leader"] else "standby"}


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def metrics() -> Response:
    """Prometheus exposition (merged across workers when multiprocess mode is on)."""
    body, content_type = render_metrics()
    return Response(body, media_type=content_type)
