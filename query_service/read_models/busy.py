"""Read model `vehicle_busy`: per vehicle, the time its calendar is blocked, in one row.

Availability walks the candidate vehicles in answer order and asks each whether anything
blocks [start, end). `calendar_blocks` cannot answer that per vehicle with a bounded
index range (a block may start any time before the window); one row per vehicle can:
`busy`, the union of its booking and maintenance periods as a multirange, is checked with
one `&&` (a binary search). Holds block only while the reader's now < expires_at, so they
are kept apart: `holds` (their union) and `hold_until` (the latest expiry) let the reader
skip them unless one may still block, and `hold_blocks` (each hold's exact bounds, in
microseconds since the epoch, and its expiry) settles that case exactly. Nothing here
depends on a clock. The row is derived, not decided: after calendar.py's folds ran for an
event, each calendar row it changed is taken out of the row as it was before the event
(`Page.before`) and put in as it is now, so the calendar's rules (which blocks, how
maintenance is trimmed) exist only there.

`busy` is changed in place, not recomputed from every block: a vehicle's bookings and
maintenance windows never overlap (the event store's `calendar_blocks_no_overlap`
excludes it, and this calendar's periods lie within the store's), so taking a block's
period out of the union frees exactly that block's time. A booking therefore writes a
row the size of the vehicle's runs of blocked time, not of every block it has.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import datetime
from operator import attrgetter
from typing import Any
from uuid import UUID

import orjson
from asyncpg import Range

from query_service.read_models import calendar
from query_service.read_models.calendar import BLOCKS
from query_service.read_models.page import Fold, Page
from query_service.read_models.spans import EPOCH, MICROSECOND, micros
from query_service.read_models.tables import Row, Rows
from shared.contract import events as ev
from shared.contract.serialization import loads

BUSY = Rows("vehicle_busy", "vehicle_id", ids=("vehicle_id",))
TABLES = (BUSY,)

# hold id -> [lower_us, upper_us, expires_us]
Holds = dict[str, list[int]]
_LOWER, _UPPER = attrgetter("lower"), attrgetter("upper")


def _moment(us: int) -> datetime:
    return EPOCH + us * MICROSECOND


def union(periods: list[tuple[int, int]]) -> tuple[Range, ...]:
    """The disjoint, sorted ranges covering `periods` (adjacent ones merged, as PostgreSQL
    normalizes a multirange). A tuple: asyncpg would read a list inside the page's array
    of multiranges as one more array dimension."""
    merged: list[list[int]] = []
    for lo, hi in sorted(periods):
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return tuple(Range(_moment(lo), _moment(hi), upper_inc=False) for lo, hi in merged)


def add(runs: list[Range], period: Range) -> None:
    """Put `period` into `runs` (sorted, disjoint, not touching: a normalized multirange),
    merged with the runs it overlaps or touches."""
    lo, hi = period.lower, period.upper
    first = bisect_left(runs, lo, key=_UPPER)  # the first run ending at or after lo
    end = bisect_right(runs, hi, key=_LOWER)  # past the last run starting at or before hi
    if first < end:
        lo, hi = min(lo, runs[first].lower), max(hi, runs[end - 1].upper)
    runs[first:end] = [Range(lo, hi, upper_inc=False)]


def take_out(runs: list[Range], period: Range) -> None:
    """Free `period` in `runs`: what the runs it overlaps keep on either side of it."""
    lo, hi = period.lower, period.upper
    first = bisect_right(runs, lo, key=_UPPER)  # the first run ending after lo
    end = bisect_left(runs, hi, key=_LOWER)  # past the last run starting before hi
    kept = []
    for run in runs[first:end]:
        if run.lower < lo:
            kept.append(Range(run.lower, lo, upper_inc=False))
        if hi < run.upper:
            kept.append(Range(hi, run.upper, upper_inc=False))
    runs[first:end] = kept


# Not columns: a page's working copies of `busy` (a list) and `hold_blocks` (parsed), and
# a mark that the columns must be written again, kept in the row the page holds (a row
# is written back column by column, so these never reach the table).
_RUNS, _HOLDS, _STALE = "_runs", "_holds", "_stale"


def _row(p: Page, vehicle_id: UUID, organization_id: UUID) -> dict[str, Any]:
    """The vehicle's row in the page (a new one if it has none), ready to change."""
    table = p[BUSY]
    row = table.get(vehicle_id)
    if row is None:
        table.insert(vehicle_id, busy=(), holds=(), hold_until=None, hold_blocks="{}",
                     organization_id=organization_id)  # fmt: skip
        row = table.get(vehicle_id)
        assert row is not None
    if _RUNS not in row:
        row[_RUNS], row[_HOLDS] = list(row["busy"]), dict(loads(row["hold_blocks"]))
    return row


def _blocking(block: Row | None) -> Range | None:
    """A calendar row's period if it is a booking's or a maintenance window's."""
    return None if block is None or block["expires_at"] is not None else block["period"]


def _mirror(p: Page, e: ev.Event) -> None:
    """Move the calendar rows this event changed (calendar.py's folds ran before this
    one) from what they were to what they are: the calendar's rules are not written again
    here."""
    changed = [change for change in p.changes if change.kind == BLOCKS.kind]
    if not changed:
        return
    row = _row(p, e.vehicle_id, e.organization_id)
    runs: list[Range] = row[_RUNS]
    holds: Holds = row[_HOLDS]
    for change in changed:
        block = p[BLOCKS].get(change.id)
        was, now = _blocking(p.before(change)), _blocking(block)
        if was is not None:
            take_out(runs, was)
        if now is not None:
            add(runs, now)
        holds.pop(str(change.id), None)
        if block is not None and block["expires_at"] is not None:
            lower, upper = block["period"].lower, block["period"].upper
            holds[str(change.id)] = [micros(lower), micros(upper), micros(block["expires_at"])]
    row[_STALE] = True
    p[BUSY].bump(e.vehicle_id)


def finish(p: Page) -> None:
    """Write the changed rows' columns, once per row and page (holds are sorted into a
    union once, however many of a vehicle's events the page holds)."""
    for row in p[BUSY].rows.values():
        if not row.pop(_STALE, False):
            continue
        holds: Holds = row[_HOLDS]
        row["busy"] = tuple(row[_RUNS])
        row["holds"] = union([(hold[0], hold[1]) for hold in holds.values()])
        row["hold_until"] = _moment(max(hold[2] for hold in holds.values())) if holds else None
        row["hold_blocks"] = orjson.dumps(holds).decode()


FOLDS: dict[type[ev.Event], Fold] = dict.fromkeys(calendar.FOLDS, _mirror)
