"""What every projection module shares: the Change record and the handler shape."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg


@dataclass(frozen=True)
class Change:
    """One read-model row an event touched: kind (vehicle, booking, ...) and its id."""

    kind: str
    id: UUID


# A handler takes the connection (inside the projector's transaction) and one event type.
Handler = Callable[[asyncpg.Connection, Any], Awaitable[list[Change]]]
