"""What a time-of-day rule covers on a local weekday: one definition for the engine and
the validators. Times are microseconds since local midnight."""

from __future__ import annotations

from collections.abc import Collection
from datetime import time

DAY = 86_400_000_000
HOUR = 3_600_000_000


def micros(clock: time) -> int:
    """Microseconds since midnight."""
    return ((clock.hour * 60 + clock.minute) * 60 + clock.second) * 1_000_000 + clock.microsecond


def day_spans(
    weekdays: Collection[int], start: int, end: int, weekday: int
) -> list[tuple[int, int]]:
    """The [from, to) spans of that local weekday a rule covers; a rule whose end is at or
    before its start runs past midnight and belongs to the weekday it starts on."""
    if start < end:
        return [(start, end)] if weekday in weekdays else []
    previous = 7 if weekday == 1 else weekday - 1
    spans = [(start, DAY)] if weekday in weekdays else []
    if previous in weekdays:
        spans.append((0, end))
    return spans
