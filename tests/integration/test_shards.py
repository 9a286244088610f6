"""A stream's shard is one rule, read by Python (the rebuild's replay) and by SQL (the
feed's filter): both must put every stream id in the same shard."""

from __future__ import annotations

import random
from uuid import UUID

import asyncpg

from shared.contract.shards import MAX_SHARDS, shard_of, sql_shard_of, valid_count


def test_shards_split_in_powers_of_two_up_to_256() -> None:
    assert [n for n in range(600) if valid_count(n)] == [2**k for k in range(9)]
    assert MAX_SHARDS == 256


async def test_sql_and_python_put_every_stream_in_the_same_shard(command_dsn: str) -> None:
    rng = random.Random(7)
    ids = [UUID(int=rng.getrandbits(128)) for _ in range(2000)] + [UUID(int=0), UUID(int=255)]
    conn = await asyncpg.connect(command_dsn)
    try:
        for shards in (1, 2, 4, 8, 256):
            in_sql = await conn.fetch(
                f"SELECT id, {sql_shard_of('id', '$2')} FROM unnest($1::uuid[]) AS id", ids, shards
            )
            assert {row[0]: row[1] for row in in_sql} == {i: shard_of(i, shards) for i in ids}
    finally:
        await conn.close()
