"""Calendar blocks as rows of `calendar_blocks`: the slice a command loads, the rows it writes.

Which blocks a command needs is decided once, by `domain.scope.calendar_scope`; the
query here selects exactly that slice. What an append writes is the difference between
the slice before the decision and after it, so only the blocks its events touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from command_service.domain.scope import CalendarScope
from command_service.domain.state import (
    Block,
    Booking,
    Hold,
    Maintenance,
    VehicleState,
    block_id,
    calendar_of,
)
from command_service.store.cache import LruCache
from command_service.store.state_codec import decode_block, encode_block

# One UNION ALL arm per way of naming a block, each an index range scan (a NULL parameter
# makes its arm empty); `end` > window start runs on the (vehicle_id, start, end) index.
# A block two arms find comes twice; decode_blocks keeps one (no sort or hash on the server).
SELECT_BLOCKS = """
ARRAY(SELECT ROW(u.kind, u.record) FROM (
    SELECT b.kind, b.record FROM calendar_blocks b
    WHERE b.vehicle_id = $1 AND b.block_id = ANY($3::uuid[])
    UNION ALL
    SELECT b.kind, b.record FROM calendar_blocks b
    WHERE b.vehicle_id = $1 AND b.trip_id = ANY($3::uuid[])
    UNION ALL
    SELECT b.kind, b.record FROM calendar_blocks b
    WHERE b.vehicle_id = $1 AND b.start >= $4 AND b.start < $5 AND b."end" > $6
    UNION ALL
    SELECT b.kind, b.record FROM calendar_blocks b
    WHERE b.vehicle_id = $1 AND $7::timestamptz IS NOT NULL
      AND (b."end" > $7 OR b.expires_at > $7 OR (b.trip_id IS NOT NULL AND b.status = 'confirmed'))
) AS u)
"""

UPSERT_BLOCKS = """INSERT INTO calendar_blocks AS c
        (vehicle_id, block_id, kind, start, "end", blocks_until, status, expires_at, trip_id,
         record)
    SELECT * FROM unnest({stream}::uuid[], {block_ids}::uuid[], {block_kinds}::text[],
        {block_starts}::timestamptz[], {block_ends}::timestamptz[],
        {blocks_until}::timestamptz[], {block_statuses}::text[],
        {block_expiries}::timestamptz[], {block_trips}::uuid[], {block_records}::bytea[])
    ON CONFLICT (vehicle_id, block_id) DO UPDATE
        SET blocks_until = EXCLUDED.blocks_until, status = EXCLUDED.status,
            expires_at = EXCLUDED.expires_at, trip_id = EXCLUDED.trip_id,
            record = EXCLUDED.record
    RETURNING 1"""


def scope_args(scope: CalendarScope) -> tuple[Any, ...]:
    """Parameters $3..$7 of SELECT_BLOCKS for `scope`."""
    start, end = scope.window if scope.window is not None else (None, None)
    return (list(scope.ids), scope.window_floor, end, start, scope.live_at)


class BlockDecoder:
    """Turns SELECT_BLOCKS's (kind, record) pairs into blocks, each once.

    A block is immutable and its record's bytes say all of it, so the blocks of recently
    seen records are kept (bounded LRU): the commands on a busy vehicle load the same few
    blocks again and again, and a priced booking costs about 15 µs to decode.
    """

    def __init__(self, capacity: int = 4096) -> None:
        self._decoded: LruCache[tuple[str, bytes], Block] = LruCache(capacity)

    def __call__(self, rows: list[Any]) -> list[Block]:
        blocks: dict[UUID, Block] = {}
        for kind, record in rows:
            key = (kind, record)
            block = self._decoded.get(key)
            if block is None:
                block = decode_block(kind, record)
                self._decoded.put(key, block)
            blocks[block_id(block)] = block
        return list(blocks.values())


def _kind(block: Block) -> str:
    if isinstance(block, Booking):
        return "booking"
    return "hold" if isinstance(block, Hold) else "maintenance"


def _status(block: Block) -> str:
    if isinstance(block, Booking):
        return block.status
    if isinstance(block, Hold):
        return block.resolution or "open"
    return "scheduled" if block.completed_at is None else "completed"


@dataclass
class BlockWrites:
    """Column arrays of the blocks an append inserts or changes."""

    ids: list[UUID] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    starts: list[datetime] = field(default_factory=list)
    ends: list[datetime] = field(default_factory=list)
    blocks_until: list[datetime] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    expires: list[datetime | None] = field(default_factory=list)
    trips: list[UUID | None] = field(default_factory=list)
    records: list[bytes] = field(default_factory=list)

    def add(self, block: Block) -> None:
        self.ids.append(block_id(block))
        self.kinds.append(_kind(block))
        self.starts.append(block.start)
        self.ends.append(block.end)
        self.blocks_until.append(block.block_end if isinstance(block, Maintenance) else block.end)
        self.statuses.append(_status(block))
        self.expires.append(block.expires_at if isinstance(block, Hold) else None)
        self.trips.append(block.trip_id if isinstance(block, Booking) else None)
        self.records.append(encode_block(block))

    def params(self) -> dict[str, list[Any]]:
        """The block part's parameters of the append statement (`append_statement`)."""
        return {
            "block_ids": self.ids,
            "block_kinds": self.kinds,
            "block_starts": self.starts,
            "block_ends": self.ends,
            "blocks_until": self.blocks_until,
            "block_statuses": self.statuses,
            "block_expiries": self.expires,
            "block_trips": self.trips,
            "block_records": self.records,
        }


def block_writes(before: VehicleState | None, after: VehicleState) -> BlockWrites:
    """The blocks of `after` that are new or differ from `before`'s (pruned ones stay put)."""
    old = {block_id(b): b for b in calendar_of(before)} if before is not None else {}
    writes = BlockWrites()
    for block in calendar_of(after):
        if old.get(block_id(block)) != block:
            writes.add(block)
    return writes
