"""Read-your-writes: wait until the projections include the write a token names.

Every read route is on a `read_router`, so it depends on `read_your_writes`. Without
X-Consistency-Token it does nothing; with one it polls the vehicle's tracked version every
10 ms until it reaches the token's version, up to X-Consistency-Wait-Ms, else answers 503
with Retry-After.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from typing import Any
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, Request
from fastapi.routing import APIRoute

from query_service.api.context import pool_of
from query_service.api.errors import (
    ConsistencyTimeoutError,
    InvalidQueryError,
    MalformedConsistencyTokenError,
)
from shared.contract.consistency import InvalidConsistencyTokenError, decode_token

DEFAULT_WAIT_MS = 2000
MAX_WAIT_MS = 10_000
MAX_TOKEN_LENGTH = 200
POLL_INTERVAL_S = 0.01
TOKEN_HEADER, WAIT_HEADER = "X-Consistency-Token", "X-Consistency-Wait-Ms"
_WAIT = re.compile(r"[0-9]{1,5}")

# Read and checked by `read_your_writes` itself and declared in the OpenAPI document only
# (`_ConsistentRead`): as FastAPI header parameters they cost every read about 20 µs more
# of parameter solving (in-process, docs/benchmarks.md), for headers few reads carry.
CONSISTENCY_HEADERS: list[dict[str, Any]] = [
    {
        "name": TOKEN_HEADER,
        "in": "header",
        "required": False,
        "schema": {"type": "string", "maxLength": MAX_TOKEN_LENGTH, "title": TOKEN_HEADER},
        "description": "`consistency_token` of a command response: answer only once the "
        "projections include that write (read-your-writes). Malformed → 400.",
    },
    {
        "name": WAIT_HEADER,
        "in": "header",
        "required": False,
        "schema": {
            "type": "integer",
            "minimum": 0,
            "maximum": MAX_WAIT_MS,
            "default": DEFAULT_WAIT_MS,
            "title": WAIT_HEADER,
        },
        "description": f"How long to wait for {TOKEN_HEADER}, 0..{MAX_WAIT_MS} ms "
        f"(default {DEFAULT_WAIT_MS}); past it the answer is 503 with Retry-After.",
    },
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


async def read_your_writes(request: Request) -> None:
    """Dependency of every read route: honour X-Consistency-Token before reading."""
    headers = request.headers
    wait_s = _wait_s(headers.get(WAIT_HEADER))
    token = headers.get(TOKEN_HEADER)
    if token is None:
        return
    if len(token) > MAX_TOKEN_LENGTH:
        raise InvalidQueryError(f"at most {MAX_TOKEN_LENGTH} characters", TOKEN_HEADER)
    try:
        stream_id, version = decode_token(token)
    except InvalidConsistencyTokenError as exc:
        raise MalformedConsistencyTokenError(f"{TOKEN_HEADER}: {exc}") from exc
    await wait_for_version(pool_of(request), stream_id, version, wait_s)


def _wait_s(raw: str | None) -> float:
    if raw is None:
        return DEFAULT_WAIT_MS / 1000
    if _WAIT.fullmatch(raw) is None or int(raw) > MAX_WAIT_MS:
        raise InvalidQueryError(f"a whole number of milliseconds, 0..{MAX_WAIT_MS}", WAIT_HEADER)
    return int(raw) / 1000


class _ConsistentRead(APIRoute):
    """A read route: declares the consistency headers `read_your_writes` reads."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        extra = dict(kwargs.get("openapi_extra") or {})
        extra["parameters"] = [*extra.get("parameters", []), *CONSISTENCY_HEADERS]
        super().__init__(path, endpoint, **{**kwargs, "openapi_extra": extra})


def read_router(prefix: str, tag: str) -> APIRouter:
    """The router of read routes under `prefix`: each honours X-Consistency-Token."""
    return APIRouter(
        prefix=prefix,
        tags=[tag],
        dependencies=[Depends(read_your_writes)],
        route_class=_ConsistentRead,
    )
