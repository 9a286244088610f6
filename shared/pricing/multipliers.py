"""The multipliers of a window: season and time of day per started hour (read in the
policy's timezone), demand for the whole window, all exact (shared/pricing/scale.py).
Hours are walked in runs that share a local date and a UTC offset, not one by one."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from shared.pricing.scale import SCALE, exact, scaled
from shared.pricing.terms import DemandTier, Season, TimeOfDay
from shared.pricing.time_of_day import DayRuns

_HOUR = timedelta(hours=1)
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class HourSums:
    """Sums over the started hours: of s_h x SCALE and of s_h x t_h x SCALE**2, and which
    seasons (multiplier not 1) and time-of-day rules applied, by index, in first-use order."""

    season: int
    combined: int
    seasons: tuple[int, ...]
    rules: tuple[int, ...]


class _SeasonLookup:
    """The season of a local date (ordinal), by bisection over the sorted seasons."""

    def __init__(self, seasons: Sequence[Season]) -> None:
        order = sorted(range(len(seasons)), key=lambda i: seasons[i].start)
        self._starts = [seasons[i].start.toordinal() for i in order]
        self._ends = [seasons[i].end.toordinal() for i in order]
        self._found = [(i, scaled(seasons[i].multiplier)) for i in order]

    def at(self, ordinal: int) -> tuple[int, int] | None:
        """(season index, scaled multiplier) of the season containing the date, if any."""
        slot = bisect_right(self._starts, ordinal) - 1
        if slot >= 0 and ordinal <= self._ends[slot]:
            return self._found[slot]
        return None


def hour_sums(
    seasons: Sequence[Season],
    rules: Sequence[TimeOfDay],
    timezone: str,
    start_utc: datetime,
    hours: int,
) -> HourSums:
    """Season and time-of-day multipliers of every started hour, summed exactly."""
    if not seasons and not rules:
        return HourSums(hours * SCALE, hours * SCALE * SCALE, (), ())
    zone, season_at, day_at = ZoneInfo(timezone), _SeasonLookup(seasons), DayRuns(rules)
    season_sum = combined = 0
    used_seasons: dict[int, None] = {}
    used_rules: dict[int, None] = {}
    moment, left = start_utc, hours
    while left:
        local, count = _run(zone, moment, left)
        season = season_at.at(local.toordinal()) if seasons else None
        s = SCALE if season is None else season[1]
        rule_sum, matched = day_at.run(local.isoweekday(), local.time(), count)
        season_sum += s * count
        combined += s * rule_sum
        if season is not None and s != SCALE:
            used_seasons[season[0]] = None
        used_rules.update(dict.fromkeys(matched))
        moment, left = moment + count * _HOUR, left - count
    return HourSums(season_sum, combined, tuple(used_seasons), tuple(used_rules))


def _run(zone: ZoneInfo, moment: datetime, left: int) -> tuple[datetime, int]:
    """The local start of the hour at `moment` and how many of the next hours (at most
    `left`) start on the same local date at the same UTC offset."""
    local = moment.astimezone(zone)
    into_day = local - local.replace(hour=0, minute=0, second=0, microsecond=0)
    count = min(left, -(-(_DAY - into_day) // _HOUR))
    # tzdata never puts two offset changes within a day of each other (checked by a spec),
    # so the offset is the start's up to some hour of the run and another after it.
    offset = local.utcoffset()
    if (moment + (count - 1) * _HOUR).astimezone(zone).utcoffset() == offset:
        return local, count
    same, changed = 0, count - 1
    while changed - same > 1:  # invariant: hour `same` keeps the offset, hour `changed` not
        middle = (same + changed) // 2
        if (moment + middle * _HOUR).astimezone(zone).utcoffset() == offset:
            same = middle
        else:
            changed = middle
    return local, changed


def utilization(booked_hours: int, capacity_hours: int) -> Fraction:
    """The booked share of capacity, exactly; 0 when there is no capacity."""
    if booked_hours < 0 or capacity_hours < 0:
        raise ValueError("booked and capacity hours cannot be negative")
    return Fraction(booked_hours, capacity_hours) if capacity_hours else Fraction(0)


def demand_tier(tiers: Sequence[DemandTier], share: Fraction) -> DemandTier | None:
    """The tier with the highest min_utilization at or below the share, if any."""
    reached = [t for t in tiers if exact(t.min_utilization) <= share]
    return max(reached, key=lambda t: exact(t.min_utilization), default=None)
