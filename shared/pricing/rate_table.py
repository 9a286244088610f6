"""The rate table: the cheapest combination of started hours, days and weeks that covers a
window. Without a weekly rate it is today's rule (shared/contract/pricing.price_cents)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

HOURS_PER_DAY = 24
HOURS_PER_WEEK = 168
_HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Combination:
    """Started weeks, days and hours bought together, and what they cost."""

    weeks: int
    days: int
    hours: int
    cents: int

    @property
    def label(self) -> str:
        """The combination in words: '1 week + 2 days + 3 hours'."""
        parts = [
            _count(n, unit)
            for n, unit in ((self.weeks, "week"), (self.days, "day"), (self.hours, "hour"))
            if n
        ]
        return " + ".join(parts) or "0 hours"


def _count(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def as_utc(moment: datetime) -> datetime:
    """The same instant in UTC, so arithmetic on it is absolute (never wall-clock)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("pricing needs timezone-aware datetimes")
    return moment.astimezone(UTC)


def started_hours(start: datetime, end: datetime) -> int:
    """The number of started hours of [start, end) in absolute time."""
    return -(-(as_utc(end) - as_utc(start)) // _HOUR)


def cheapest(hours: int, hourly: int, daily: int, weekly: int | None) -> Combination:
    """The cheapest combination of started units covering `hours`; ties: the larger units."""
    if hours < 0:
        raise ValueError("a window cannot have a negative number of hours")
    weeks_options = {0} if weekly is None else _week_counts(hours)
    candidates = [_with_weeks(w, hours, hourly, daily, weekly or 0) for w in weeks_options]
    return min(candidates, key=lambda c: (c.cents, -c.weeks, -c.days))


def _week_counts(hours: int) -> set[int]:
    # For w <= K = hours // 168 the cost is linear in w (a week of days or hours always
    # costs 7 x the cheapest day), so the optimum is at an end: 0, K, or K + 1 weeks.
    full = hours // HOURS_PER_WEEK
    return {0, full, full + 1}


def _with_weeks(weeks: int, hours: int, hourly: int, daily: int, weekly: int) -> Combination:
    """The cheapest combination that buys exactly `weeks` weeks."""
    rest = max(0, hours - HOURS_PER_WEEK * weeks)
    days, left = _days_and_hours(rest, hourly, daily)
    return Combination(weeks, days, left, weeks * weekly + days * daily + left * hourly)


def _days_and_hours(hours: int, hourly: int, daily: int) -> tuple[int, int]:
    """Per started day: a day when it costs no more than its hours, else the hours."""
    if daily > HOURS_PER_DAY * hourly:
        return 0, hours
    days, left = divmod(hours, HOURS_PER_DAY)
    if left and left * hourly >= daily:
        return days + 1, 0
    return days, left
