"""What a read route needs from the app: the active read-model pool and the clock."""

from __future__ import annotations

from datetime import datetime

import asyncpg
from fastapi import Request


def pool_of(request: Request) -> asyncpg.Pool:
    """The pool bound to the active read-model generation."""
    pool: asyncpg.Pool = request.app.state.read_db.pool
    return pool


def now_of(request: Request) -> datetime:
    """The app clock's aware UTC now (tests fake it; never datetime.now)."""
    now: datetime = request.app.state.clock()
    return now
