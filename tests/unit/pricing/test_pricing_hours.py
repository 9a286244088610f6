"""Season and time-of-day multipliers per started hour: the engine walks hours in runs
(same local date, same UTC offset) and counts rules arithmetically; it must agree with the
rule read literally, hour by hour."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings

from shared.pricing.multipliers import hour_sums
from shared.pricing.scale import SCALE, scaled
from shared.pricing.terms import PricingTerms, TimeOfDay
from tests.unit.pricing.strategies import lengths, pricing_terms, starts


def _rule_covers(rule: TimeOfDay, local: datetime) -> bool:
    """The rule as written: weekday of the hour's start and [start_time, end_time); a
    night that wraps belongs to the weekday it starts on."""
    clock, weekday = local.time(), local.isoweekday()
    previous = 7 if weekday == 1 else weekday - 1
    if rule.start_time < rule.end_time:
        return weekday in rule.weekdays and rule.start_time <= clock < rule.end_time
    return (weekday in rule.weekdays and clock >= rule.start_time) or (
        previous in rule.weekdays and clock < rule.end_time
    )


def literally(the_terms: PricingTerms, start: datetime, hours: int) -> tuple[int, int]:
    """(sum of s_h, sum of s_h x t_h), scaled, one absolute hour at a time."""
    zone = ZoneInfo(the_terms.timezone)
    season_sum = combined = 0
    for h in range(hours):
        local = (start + timedelta(hours=h)).astimezone(zone)
        s = next(
            (scaled(x.multiplier) for x in the_terms.seasons if x.start <= local.date() <= x.end),
            SCALE,
        )
        t = next(
            (scaled(r.multiplier) for r in the_terms.time_of_day if _rule_covers(r, local)),
            SCALE,
        )
        season_sum += s
        combined += s * t
    return season_sum, combined


@given(pricing_terms(), starts, lengths)
@settings(max_examples=300, deadline=None)
def test_runs_of_hours_sum_as_the_hours_one_by_one(
    the_terms: PricingTerms, start: datetime, length: timedelta
) -> None:
    hours = -(-length // timedelta(hours=1))
    sums = hour_sums(the_terms.seasons, the_terms.time_of_day, the_terms.timezone, start, hours)
    assert (sums.season, sums.combined) == literally(the_terms, start, hours)


@pytest.mark.parametrize("zone", ["Europe/Berlin", "Australia/Lord_Howe", "America/St_Johns"])
def test_a_dst_change_is_priced_at_each_hours_own_local_time(zone: str) -> None:
    every_hour = TimeOfDay(weekdays=[1, 2, 3, 4, 5, 6, 7], start_time=time(1, 0),
                           end_time=time(3, 0), multiplier=2)  # fmt: skip
    the_terms = PricingTerms.model_validate(
        {"name": "DST", "currency": "EUR", "timezone": zone,
         "time_of_day": [every_hour.model_dump()],
         "rates": {"hourly_cents": 100, "daily_cents": 2_400}}
    )  # fmt: skip
    for year_day in range(366):
        start = datetime(2026, 1, 1, 7, 17, tzinfo=UTC) + timedelta(days=year_day)
        sums = hour_sums(the_terms.seasons, the_terms.time_of_day, zone, start, 30)
        assert sums.combined == literally(the_terms, start, 30)[1]


def test_tzdata_never_changes_a_utc_offset_twice_within_a_day() -> None:
    """The engine's runs rely on it: equal offsets at both ends of a run of at most 24 h
    mean no change inside. Checked on the installed tzdata's explicit transitions."""
    pure = pytest.importorskip("zoneinfo._zoneinfo")
    for key in sorted(zoneinfo.available_timezones()):
        zone = pure.ZoneInfo.no_cache(key)
        moments = getattr(zone, "_trans_utc", None)
        if moments is None:
            pytest.skip("this Python's zoneinfo keeps its transitions elsewhere")
        gaps = [later - earlier for earlier, later in pairwise(moments)]
        assert all(gap > 86_400 for gap in gaps), key
