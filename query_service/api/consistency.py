"""Read-your-writes: wait until the projections include the write a token names.

Every read route depends on `read_your_writes`. Without X-Consistency-Token it does
nothing; with one it polls the vehicle's tracked version every 10 ms until it reaches the
token's version, up to X-Consistency-Wait-Ms, else answers 503 with Retry-After.
"""

from __future__ import annotations

import asyncio
import time
from typing import Annotated
from uuid import UUID

import asyncpg
from fastapi import Header, Request

from query_service.api.context import pool_of
from query_service.api.errors import ConsistencyTimeoutError, MalformedConsistencyTokenError
from shared.contract.consistency import InvalidConsistencyTokenError, decode_token

DEFAULT_WAIT_MS = 2000
MAX_WAIT_MS = 10_000
POLL_INTERVAL_S = 0.01

TokenHeader = Annotated[
    str | None,
    Header(
        alias="X-Consistency-Token",
        max_length=200,
        description="`consistency_token` of a command response: answer only once the "
        "projections include that write (read-your-writes). Malformed → 400.",
    ),
]
WaitHeader = Annotated[
    int,
    Header(
        alias="X-Consistency-Wait-Ms",
        ge=0,
        le=MAX_WAIT_MS,
        description=f"How long to wait for X-Consistency-Token, 0..{MAX_WAIT_MS} ms "
        f"(default {DEFAULT_WAIT_MS}); past it the answer is 503 with Retry-After.",
    ),
]


async def projected_version(pool: asyncpg.Pool, stream_id: UUID) -> int:
    version = await pool.fetchval(
        "SELECT version FROM stream_tracking WHERE stream_id = $1", stream_id
    )
    return int(version or 0)


async def wait_for_version(
    pool: asyncpg.Pool, stream_id: UUID, version: int, wait_s: float
) -> None:
    """Return once the stream (a vehicle, a location) is projected up to `version`; raise
    after `wait_s`."""
    deadline = time.monotonic() + wait_s
    while (seen := await projected_version(pool, stream_id)) < version:
        if time.monotonic() >= deadline:
            raise ConsistencyTimeoutError(
                f"projections of stream {stream_id} are at version {seen}, not yet {version}",
                str(stream_id), version, seen,
            )  # fmt: skip
        await asyncio.sleep(POLL_INTERVAL_S)


async def read_your_writes(
    request: Request, token: TokenHeader = None, wait_ms: WaitHeader = DEFAULT_WAIT_MS
) -> None:
    """Dependency of every read route: honour X-Consistency-Token before reading."""
    if token is None:
        return
    try:
        stream_id, version = decode_token(token)
    except InvalidConsistencyTokenError as exc:
        raise MalformedConsistencyTokenError(f"X-Consistency-Token: {exc}") from exc
    await wait_for_version(pool_of(request), stream_id, version, wait_ms / 1000)
