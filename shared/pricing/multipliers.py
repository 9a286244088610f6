"""The multipliers of a window: season and time of day per started hour (read in the
policy's timezone), demand for the whole window. All exact: a multiplier is its decimal
text times SCALE, an integer (the terms allow at most 4 decimal places)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from shared.pricing.terms import DemandTier, Season, TimeOfDay

SCALE = 10_000
_HOUR = timedelta(hours=1)


def exact(multiplier: float) -> Fraction:
    """The multiplier as the exact fraction its decimal text names (1.1 is 11/10)."""
    return Fraction(str(multiplier))


def scaled(multiplier: float) -> int:
    """The multiplier x SCALE as an exact integer."""
    value = exact(multiplier) * SCALE
    if value.denominator != 1:
        raise ValueError(f"multiplier {multiplier} has more than 4 decimal places")
    return value.numerator


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


class _RuleLookup:
    """The time-of-day rule of a local weekday and time, memoised per call."""

    def __init__(self, rules: Sequence[TimeOfDay]) -> None:
        self._rules = [
            (i, frozenset(r.weekdays), r.start_time, r.end_time, scaled(r.multiplier))
            for i, r in enumerate(rules)
        ]
        self._memo: dict[tuple[int, time], tuple[int, int] | None] = {}

    def at(self, weekday: int, clock: time) -> tuple[int, int] | None:
        """(rule index, scaled multiplier) of the rule covering that local moment, if any."""
        key = (weekday, clock)
        if key not in self._memo:
            self._memo[key] = self._find(weekday, clock)
        return self._memo[key]

    def _find(self, weekday: int, clock: time) -> tuple[int, int] | None:
        previous = 7 if weekday == 1 else weekday - 1
        for index, days, start, end, value in self._rules:
            if start < end:
                hit = weekday in days and start <= clock < end
            else:  # wraps past midnight: it belongs to the weekday it starts on
                hit = (weekday in days and clock >= start) or (previous in days and clock < end)
            if hit:
                return index, value
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
    zone, season_at, rule_at = ZoneInfo(timezone), _SeasonLookup(seasons), _RuleLookup(rules)
    season_sum = combined = 0
    used_seasons: dict[int, None] = {}
    used_rules: dict[int, None] = {}
    moment = start_utc
    for _ in range(hours):
        local = moment.astimezone(zone)
        moment += _HOUR
        season = season_at.at(local.toordinal()) if seasons else None
        rule = rule_at.at(local.isoweekday(), local.time()) if rules else None
        s = SCALE if season is None else season[1]
        season_sum += s
        combined += s * (SCALE if rule is None else rule[1])
        if season is not None and season[1] != SCALE:
            used_seasons[season[0]] = None
        if rule is not None:
            used_rules[rule[0]] = None
    return HourSums(season_sum, combined, tuple(used_seasons), tuple(used_rules))


def utilization(booked_hours: int, capacity_hours: int) -> Fraction:
    """The booked share of capacity, exactly; 0 when there is no capacity."""
    if booked_hours < 0 or capacity_hours < 0:
        raise ValueError("booked and capacity hours cannot be negative")
    return Fraction(booked_hours, capacity_hours) if capacity_hours else Fraction(0)


def demand_tier(tiers: Sequence[DemandTier], share: Fraction) -> DemandTier | None:
    """The tier with the highest min_utilization at or below the share, if any."""
    reached = [t for t in tiers if exact(t.min_utilization) <= share]
    return max(reached, key=lambda t: exact(t.min_utilization), default=None)
