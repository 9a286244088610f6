"""The readers' statements in flight are bounded per process, and waiting reads are
served in the order they came (ReadModelDatabase.turns)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest_asyncio

from query_service.api.context import Reader
from query_service.store.schemas import ReadModelDatabase


@pytest_asyncio.fixture
async def one_turn(query_dsn: str) -> AsyncIterator[ReadModelDatabase]:
    read_db = ReadModelDatabase(query_dsn, 1, 4, read_concurrency=1)
    await read_db.start()
    try:
        yield read_db
    finally:
        await read_db.close()


async def test_reads_beyond_the_turns_wait_and_run_in_arrival_order(
    one_turn: ReadModelDatabase,
) -> None:
    reader = Reader(one_turn.readers, one_turn.turns, None)
    finished: list[str] = []

    async def read(name: str, seconds: float) -> None:
        await reader.fetchval("SELECT pg_sleep($1)", seconds)
        finished.append(name)

    # The pool has four connections; with one turn the quick reads wait for the slow one.
    await asyncio.gather(read("slow", 0.3), read("second", 0), read("third", 0))

    assert finished == ["slow", "second", "third"]


def test_the_turns_never_exceed_the_pool() -> None:
    read_db = ReadModelDatabase("postgresql://unused", 1, 3, read_concurrency=8)

    assert read_db.turns.size == 3
