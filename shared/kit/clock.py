"""Time and ids enter the system here, so tests can replace both."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
IdFactory = Callable[[], uuid.UUID]


def system_clock() -> datetime:
    return datetime.now(UTC)


def random_id() -> uuid.UUID:
    return uuid.uuid4()
