"""Liveness, readiness (database + consumer) and Prometheus metrics of the query service."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import PlainTextResponse, Response

from shared.kit.http.responses import JSON, problem
from shared.kit.metrics import render_metrics

router = APIRouter(tags=["operations"])
# Records behind the topic's end before we stop taking traffic: below the embedded
# broker's window (FLEET_KAFKA_MAX_EVENTS, 10,000), which bounds how far behind it can be.
MAX_READY_LAG = 5_000


@router.get("/healthz")
async def healthz() -> JSON:
    """The process is alive."""
    return JSON({"status": "ok"})


@router.get("/readyz", response_model=None)
async def readyz(request: Request) -> Response:
    """Ready when the read models answer, the revocation list has loaded once and the
    consumer is not far behind.

    A consumer that is (re)joining its group still serves what is projected (reads carry
    consistency tokens for read-your-writes), so it is ready, with `consumer.state`
    saying `joining`; only a measured lag over MAX_READY_LAG makes the replica unready.
    """
    read_db = request.app.state.read_db
    try:
        await asyncio.wait_for(read_db.pool.fetchval("SELECT 1"), timeout=2)
    except Exception as exc:
        return problem(503, "Not ready", f"database unavailable: {type(exc).__name__}", "not-ready")
    body: dict[str, Any] = {
        "status": "ready",
        "database": "ok",
        "read_model_schema": read_db.active_schema,
    }
    revocations = request.app.state.verifier.revocations
    if revocations is not None:
        body["revocations"] = revocations.status()
        if revocations.last_success is None:  # tokens get 503 until the first pull
            return problem(503, "Not ready", "token revocations not loaded yet", "not-ready")
    return _consumer_readiness(request.app.state.pipeline, body)


def _consumer_readiness(pipeline: Any, body: dict[str, Any]) -> Response:
    """`body` with the consumer's state; 503 when an assigned consumer lags too far."""
    if pipeline is None:
        return JSON(body)
    status = pipeline.status()
    assigned = status["consumer_running"] and status["assigned_partitions"] > 0
    body["consumer"] = {**status, "state": "consuming" if assigned else "joining"}
    if assigned and status["consumer_lag"] > MAX_READY_LAG:
        return problem(
            503, "Not ready", "the consumer is not keeping up", "not-ready", consumer=status
        )
    return JSON(body)


@router.get("/metrics", response_class=PlainTextResponse)
async def metrics() -> Response:
    """Prometheus exposition: events applied, projection lag, consumer lag, open gaps."""
    body, content_type = render_metrics()
    return Response(body, media_type=content_type)
