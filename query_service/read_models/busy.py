"""Read model `vehicle_busy`: per vehicle, the time its calendar is blocked, in one row.

Availability walks the candidate vehicles in answer order and asks each whether anything
blocks [start, end). `calendar_blocks` cannot answer that per vehicle with a bounded
index range (a block may start any time before the window); one row per vehicle can:
`busy`, the union of its booking and maintenance periods as a multirange, is checked with
one `&&` (a binary search). Holds block only while the reader's now < expires_at, so they
are kept apart: `holds` (their union) and `hold_until` (the latest expiry) let the reader
skip them unless one may still block, and `blocks` (every block's exact bounds, in
microseconds since the epoch, and a hold's expiry) settles that case exactly. Nothing here
depends on a clock; `blocks` is also what the folds recompute the unions from, so the
rules below mirror calendar.py's on the vehicle's own copy of its blocks.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import orjson
from asyncpg import Range

from query_service.read_models.page import Fold, Page
from query_service.read_models.tables import Rows
from shared.contract import events as ev
from shared.contract.serialization import loads

BUSY = Rows("vehicle_busy", "vehicle_id", ids=("vehicle_id",))
TABLES = (BUSY,)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
# block id -> [lower_us, upper_us, expires_us or None (bookings, maintenance)]
Blocks = dict[str, list[int | None]]


def micros(moment: datetime) -> int:
    """Microseconds since the Unix epoch (exact: timestamps have microsecond precision)."""
    return (moment - EPOCH) // MICROSECOND


def _moment(us: int) -> datetime:
    return EPOCH + us * MICROSECOND


def union(periods: list[tuple[int, int]], known: dict[tuple[int, int], Range]) -> tuple[Range, ...]:
    """The disjoint, sorted ranges covering `periods` (adjacent ones merged, as PostgreSQL
    normalizes a multirange). A tuple: asyncpg would read a list inside the page's array
    of multiranges as one more array dimension. `known` reuses the Range of a merged span
    met before (creating them is most of the cost of a fold)."""
    merged: list[list[int]] = []
    for lo, hi in sorted(periods):
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    ranges = []
    for lo, hi in merged:
        span = (lo, hi)
        if span not in known:
            known[span] = Range(_moment(lo), _moment(hi), upper_inc=False)
        ranges.append(known[span])
    return tuple(ranges)


# Not columns: a page's parsed copy of `blocks` and its Range objects, kept in the row the
# page holds (a row is written back column by column, so these never reach the table).
_PARSED, _RANGES = "_blocks", "_ranges"


def _blocks(p: Page, vehicle_id: UUID) -> Blocks:
    row = p[BUSY].get(vehicle_id)
    if row is None:
        return {}
    if _PARSED not in row:
        row[_PARSED] = dict(loads(row["blocks"]))
    blocks: Blocks = row[_PARSED]
    return blocks


def _store(p: Page, vehicle_id: UUID, blocks: Blocks, added: str | None = None) -> None:
    """Write the row for `blocks`; `added`: the one block id new since the row was read
    (its JSON is appended to the stored text instead of writing all of it again)."""
    row = p[BUSY].get(vehicle_id)
    known: dict[tuple[int, int], Range] = row.get(_RANGES, {}) if row else {}
    spans = {key: (int(b[0] or 0), int(b[1] or 0)) for key, b in blocks.items()}
    expiries = [b[2] for b in blocks.values() if b[2] is not None]
    text = row["blocks"] if row is not None else None
    if added is not None and isinstance(text, str) and len(blocks) > 1:
        text = text[:-1] + "," + orjson.dumps({added: blocks[added]}).decode()[1:]
    else:
        text = orjson.dumps(blocks).decode()  # in the order placed, as appending gives
    values = {
        "busy": union([spans[k] for k, b in blocks.items() if b[2] is None], known),
        "holds": union([spans[k] for k, b in blocks.items() if b[2] is not None], known),
        "hold_until": _moment(max(expiries)) if expiries else None,
        "blocks": text,
    }
    if row is None:
        p[BUSY].insert(vehicle_id, **values)
        row = p[BUSY].get(vehicle_id)
        assert row is not None
    else:
        p[BUSY].update(vehicle_id, **values)
    row[_PARSED], row[_RANGES] = blocks, known


def _placed(p: Page, e: Any, block_id: UUID, expires_at: datetime | None = None) -> None:
    blocks = _blocks(p, e.vehicle_id)
    expires = None if expires_at is None else micros(expires_at)
    blocks[str(block_id)] = [micros(e.start), micros(e.end), expires]
    _store(p, e.vehicle_id, blocks, added=str(block_id))


def _removed(p: Page, e: Any, block_id: UUID) -> None:
    blocks = _blocks(p, e.vehicle_id)
    if blocks.pop(str(block_id), None) is not None:
        _store(p, e.vehicle_id, blocks)


def _maintenance_completed(p: Page, e: ev.MaintenanceCompleted) -> None:
    """As calendar trims the window to [start, min(end, completed_at)), or drops it."""
    blocks = _blocks(p, e.vehicle_id)
    block = blocks.get(str(e.maintenance_id))
    if block is None:
        return
    lower, upper, at = int(block[0] or 0), int(block[1] or 0), micros(e.occurred_at)
    if lower >= at:
        del blocks[str(e.maintenance_id)]
    elif at < upper:
        block[1] = at
    else:
        return
    _store(p, e.vehicle_id, blocks)


FOLDS: dict[type[ev.Event], Fold] = {
    ev.HoldPlaced: lambda p, e: _placed(p, e, e.hold_id, e.expires_at),
    ev.HoldConfirmed: lambda p, e: _removed(p, e, e.hold_id),
    ev.HoldReleased: lambda p, e: _removed(p, e, e.hold_id),
    ev.HoldExpired: lambda p, e: _removed(p, e, e.hold_id),
    ev.BookingConfirmed: lambda p, e: _placed(p, e, e.booking_id),
    ev.BookingCancelled: lambda p, e: _removed(p, e, e.booking_id),
    ev.BookingCompleted: lambda p, e: _removed(p, e, e.booking_id),
    ev.MaintenanceScheduled: lambda p, e: _placed(p, e, e.maintenance_id),
    ev.MaintenanceCompleted: _maintenance_completed,
}
