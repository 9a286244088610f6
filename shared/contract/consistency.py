"""Consistency tokens: an opaque handle on "vehicle V at stream version N".

Command responses hand one out; the query service decodes it and waits until its
projection of that vehicle has reached the version (read-your-writes).
"""

from __future__ import annotations

import base64
from uuid import UUID

_PREFIX = "v1."


class InvalidConsistencyTokenError(ValueError):
    """The token was not issued by this system or is damaged."""


def encode_token(vehicle_id: UUID, version: int) -> str:
    raw = vehicle_id.bytes + version.to_bytes(8, "big")
    return _PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str) -> tuple[UUID, int]:
    if not token.startswith(_PREFIX):
        raise InvalidConsistencyTokenError("unknown token format")
    body = token[len(_PREFIX) :]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except ValueError as exc:
        raise InvalidConsistencyTokenError("token is not base64url") from exc
    if len(raw) != 24:
        raise InvalidConsistencyTokenError("token has the wrong length")
    return UUID(bytes=raw[:16]), int.from_bytes(raw[16:], "big")
