"""Read model `vehicle_busy`: per vehicle, the time its calendar is blocked, in one row.

Availability walks the candidate vehicles in answer order and asks each whether anything
blocks [start, end). `calendar_blocks` cannot answer that per vehicle with a bounded
index range (a block may start any time before the window); one row per vehicle can:
`busy`, the union of its booking and maintenance periods as a multirange, is checked with
one `&&` (a binary search). Holds block only while the reader's now < expires_at, so they
are kept apart: `holds` (their union) and `hold_until` (the latest expiry) let the reader
skip them unless one may still block, and `blocks` (every block's exact bounds, in
microseconds since the epoch, and a hold's expiry) settles that case exactly. Nothing here
depends on a clock. The row is derived, not decided: after calendar.py's folds ran for an
event, the calendar rows it changed are copied into `blocks` and the unions recomputed,
so the calendar's rules (which blocks, how maintenance is trimmed) exist only there.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from asyncpg import Range

from query_service.read_models import calendar
from query_service.read_models.calendar import BLOCKS
from query_service.read_models.page import Fold, Page
from query_service.read_models.spans import EPOCH, MICROSECOND, micros
from query_service.read_models.tables import Rows
from shared.contract import events as ev
from shared.contract.serialization import loads

BUSY = Rows("vehicle_busy", "vehicle_id", ids=("vehicle_id",))
TABLES = (BUSY,)

# block id -> [lower_us, upper_us, expires_us or None (bookings, maintenance)]
Blocks = dict[str, list[int | None]]


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


# Not columns: a page's parsed copy of `blocks`, the Range objects met so far, and a mark
# that the columns must be recomputed, kept in the row the page holds (a row is written
# back column by column, so these never reach the table).
_PARSED, _RANGES, _STALE = "_blocks", "_ranges", "_stale"


def _row(p: Page, vehicle_id: UUID, organization_id: UUID) -> dict[str, Any]:
    """The vehicle's row in the page (a new one if it has none), its blocks parsed."""
    table = p[BUSY]
    row = table.get(vehicle_id)
    if row is None:
        table.insert(vehicle_id, busy=(), holds=(), hold_until=None, blocks="{}",
                     organization_id=organization_id)  # fmt: skip
        row = table.get(vehicle_id)
        assert row is not None
    if _PARSED not in row:
        row[_PARSED], row[_RANGES] = dict(loads(row["blocks"])), {}
    return row


def _mirror(p: Page, e: ev.Event) -> None:
    """Copy the calendar rows this event changed (calendar.py's folds ran before this
    one) into the vehicle's block list: the calendar's rules are not written again here."""
    changed = [change.id for change in p.changes if change.kind == BLOCKS.kind]
    if not changed:
        return
    row = _row(p, e.vehicle_id, e.organization_id)
    blocks: Blocks = row[_PARSED]
    for block_id in changed:
        block = p[BLOCKS].get(block_id)
        if block is None:
            blocks.pop(str(block_id), None)
            continue
        expires, period = block["expires_at"], block["period"]
        blocks[str(block_id)] = [
            micros(period.lower),
            micros(period.upper),
            None if expires is None else micros(expires),
        ]
    row[_STALE] = True
    p[BUSY].bump(e.vehicle_id)


def finish(p: Page) -> None:
    """Recompute the columns of the rows the page changed, once per row and page (a
    vehicle's events in one page would otherwise each sort and serialize its blocks)."""
    for row in p[BUSY].rows.values():
        if not row.pop(_STALE, False):
            continue
        blocks: Blocks = row[_PARSED]
        known: dict[tuple[int, int], Range] = row[_RANGES]
        spans = {key: (int(b[0] or 0), int(b[1] or 0)) for key, b in blocks.items()}
        expiries = [b[2] for b in blocks.values() if b[2] is not None]
        row["busy"] = union([spans[k] for k, b in blocks.items() if b[2] is None], known)
        row["holds"] = union([spans[k] for k, b in blocks.items() if b[2] is not None], known)
        row["hold_until"] = _moment(max(expiries)) if expiries else None
        row["blocks"] = orjson.dumps(blocks).decode()


FOLDS: dict[type[ev.Event], Fold] = dict.fromkeys(calendar.FOLDS, _mirror)
