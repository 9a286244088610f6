"""The simulated clock (dev/demo only): read it, move it forward.

Included by the app only when FLEET_CLOCK=simulated, which production refuses.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import AwareDatetime

from command_service.api.schemas import Strict
from command_service.devclock import SimulatedClock
from shared.kit.auth.dependencies import require_operator, require_role
from shared.kit.http.responses import JSON

router = APIRouter(prefix="/v1/dev", tags=["dev clock"])


class ClockBody(Strict):
    now: AwareDatetime


def _clock(request: Request) -> SimulatedClock:
    clock: SimulatedClock = request.app.state.clock
    return clock


@router.get(
    "/clock", response_model=ClockBody, dependencies=[Depends(require_role("admin", "service"))]
)
async def read_clock(request: Request) -> JSON:
    """The simulated now every command is decided against (the query service follows it)."""
    now = await _clock(request).refresh(request.app.state.pool)
    return JSON({"now": now})


@router.put("/clock", response_model=ClockBody, dependencies=[Depends(require_operator())])
async def set_clock(body: ClockBody, request: Request) -> JSON:
    """Move the simulated clock forward to `now`; 409 if that lies before the current value.
    Every organization lives by it, so only the installation's operators move it."""
    now = await _clock(request).advance(request.app.state.pool, body.now)
    return JSON({"now": now})


async def refresh_clock(request: Request) -> None:
    """Dependency of the command routes: decide against the clock every worker shares."""
    await _clock(request).refresh(request.app.state.pool)
