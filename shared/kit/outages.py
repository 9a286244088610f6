"""What a background loop (relay, consumer, healer, sweeper) must survive and retry.

A loop that ends on an error nobody expected stops the pipeline silently while the
service still answers: so every loop catches everything, and these errors — a database,
broker or peer that is away or was restarted — are the expected ones, logged without a
traceback. asyncpg raises InternalClientError (not an InterfaceError) from a connection
whose server died in the middle of an operation; that connection must be dropped.
"""

from __future__ import annotations

import asyncpg
import httpx
from aiokafka.errors import KafkaError

OUTAGES: tuple[type[BaseException], ...] = (
    OSError,  # also TimeoutError and ConnectionError
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    KafkaError,
    httpx.HTTPError,
)


def describe(exc: BaseException) -> str:
    """'Type: message' of an error, for logs and readiness views."""
    return f"{type(exc).__name__}: {exc}"


def unexpected(exc: BaseException) -> bool:
    """Whether `exc` is a bug rather than an outage (log it with its traceback)."""
    return not isinstance(exc, OUTAGES)
