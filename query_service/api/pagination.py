"""Keyset pagination: `limit` and an opaque `cursor` naming the last item's sort key."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import Query

from query_service.api.errors import InvalidCursorError
from shared.contract.serialization import dumps, loads
from shared.kit.http.responses import JSON

MAX_LIMIT = 500
DEFAULT_LIMIT = 50

Limit = Annotated[
    int,
    Query(ge=1, le=MAX_LIMIT, description=f"Page size, 1..{MAX_LIMIT} (default {DEFAULT_LIMIT})."),
]
Cursor = Annotated[
    str | None,
    Query(
        max_length=512,
        description="Opaque `next_cursor` of the previous page; omit for the first page.",
    ),
]
Decoder = Callable[[Any], Any]


def encode_cursor(kind: str, key: Sequence[Any]) -> str:
    """A cursor for the item whose sort key is `key`, valid only for lists of `kind`."""
    raw = dumps({"k": kind, "v": list(key)})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str | None, kind: str, types: Sequence[Decoder]) -> tuple[Any, ...] | None:
    """The sort key a cursor names, or None for the first page; raises InvalidCursorError."""
    if token is None:
        return None
    try:
        body = loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if not isinstance(body, dict) or body.get("k") != kind or len(body["v"]) != len(types):
            raise ValueError("cursor of another list")
        return tuple(decode(value) for decode, value in zip(types, body["v"], strict=True))
    except (ValueError, TypeError, KeyError, AttributeError, binascii.Error) as exc:
        raise InvalidCursorError("cursor is invalid for this list") from exc


def aware_time(value: str) -> datetime:
    """A cursor's timestamp (always written with an offset)."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("naive time in cursor")
    return moment


TIME_ID: tuple[Decoder, Decoder] = (aware_time, UUID)


def page_response(
    rows: Sequence[Any],
    limit: int,
    kind: str,
    key: Callable[[Any], Sequence[Any]],
    render: Callable[[Any], dict[str, Any]],
) -> JSON:
    """`{items, next_cursor}` from `limit + 1` fetched rows (the extra one marks more)."""
    shown, next_cursor = rows[:limit], None
    if len(rows) > limit:
        next_cursor = encode_cursor(kind, key(rows[limit - 1]))
    return JSON({"items": [render(row) for row in shown], "next_cursor": next_cursor})
