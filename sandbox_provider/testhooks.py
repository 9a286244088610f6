"""`/v1/test/*`: fault switches and webhook redelivery (only with FLEET_SANDBOX_TEST_HOOKS)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from sandbox_provider.errors import UnknownEventError
from sandbox_provider.runtime import Runtime
from shared.kit.http.responses import JSON

router = APIRouter(prefix="/v1/test")


class FaultSwitches(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    down_for_s: float = Field(default=0, ge=0, le=3600)
    delay_ms: int = Field(default=0, ge=0, le=60_000)
    webhooks_paused: bool = False


@router.get("/faults")
async def faults(request: Request) -> JSON:
    """The fault switches as they are now."""
    runtime: Runtime = request.app.state.runtime
    return JSON(runtime.faults.view())


@router.put("/faults")
async def set_faults(body: FaultSwitches, request: Request) -> JSON:
    """Replace the switches: 503 for `down_for_s`, `delay_ms` per answer, webhooks held."""
    runtime: Runtime = request.app.state.runtime
    runtime.faults.set(body.down_for_s, body.delay_ms, body.webhooks_paused)
    runtime.deliverer.wake.set()
    return JSON(runtime.faults.view())


@router.post("/webhooks/{event_id}/redeliver")
async def redeliver(event_id: str, request: Request) -> JSON:
    """POST the event once more, now, whatever its state (a duplicate or out of order)."""
    runtime: Runtime = request.app.state.runtime

    def body_of(conn: Any) -> bytes | None:
        row = conn.execute("SELECT body FROM outbox WHERE event_id = ?", (event_id,)).fetchone()
        return None if row is None else bytes(row["body"])

    body = await runtime.store.read(body_of)
    if body is None:
        raise UnknownEventError(f"no event {event_id}")
    error = await runtime.deliverer.post(body)
    return JSON({"event_id": event_id, "delivered": error is None, "error": error})
