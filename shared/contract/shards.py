"""Streams split into shards by their id: the catch-up feed's `shard` filter
(`GET /v1/events?shard=&shards=`) and the query side's rebuild, which replays each shard
apart (read models never relate rows of two streams).

A stream's shard of `shards` is its id, read as a 128-bit integer, modulo `shards`, a
power of two up to 256: then it is the id's last byte modulo `shards`, which SQL reads
with `get_byte` (`tests/integration/test_shards.py` holds SQL and Python to the same
answer).
"""

from __future__ import annotations

from uuid import UUID

MAX_SHARDS = 256


def valid_count(shards: int) -> bool:
    """Whether streams can be split into `shards` shards (a power of two, 1 to 256)."""
    return 1 <= shards <= MAX_SHARDS and shards & (shards - 1) == 0


def shard_of(stream_id: UUID, shards: int) -> int:
    return stream_id.int % shards


def sql_shard_of(column: str, shards: str) -> str:
    """`shard_of` in SQL, of a uuid column and an integer expression (`shards` must be
    valid: the id's last byte decides)."""
    return f"get_byte(uuid_send({column}), 15) % {shards}"
