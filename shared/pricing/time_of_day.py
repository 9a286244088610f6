"""Time-of-day multipliers over a run of consecutive started hours on one local date,
counted arithmetically: a rule's share of a run is how many of the run's hour starts fall
in its span that day (the terms' validators keep rules from covering the same time)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time

from shared.pricing.clock import HOUR, day_spans, micros
from shared.pricing.scale import SCALE, scaled
from shared.pricing.terms import TimeOfDay


@dataclass(frozen=True)
class _Rule:
    """A rule in microseconds of the day; `extra` is its multiplier x SCALE minus SCALE."""

    index: int
    weekdays: frozenset[int]
    start: int
    end: int
    extra: int

    def spans_on(self, weekday: int) -> list[tuple[int, int]]:
        """The [from, to) spans it covers on that local weekday."""
        return day_spans(self.weekdays, self.start, self.end, weekday)


class DayRuns:
    """Sums of t_h x SCALE over runs of hours, memoised for the windows of one call."""

    def __init__(self, rules: Sequence[TimeOfDay]) -> None:
        self._rules = [
            _Rule(i, frozenset(r.weekdays), micros(r.start_time), micros(r.end_time),
                  scaled(r.multiplier) - SCALE)
            for i, r in enumerate(rules)
        ]  # fmt: skip
        self._memo: dict[tuple[int, time, int], tuple[int, tuple[int, ...]]] = {}

    def run(self, weekday: int, first: time, count: int) -> tuple[int, tuple[int, ...]]:
        """(sum of t_h x SCALE, indexes of the rules that matched in first-hour order) over
        `count` hours starting at local time `first` of a day that is `weekday`."""
        key = (weekday, first, count)
        if key not in self._memo:
            self._memo[key] = self._sum(weekday, micros(first), count)
        return self._memo[key]

    def _sum(self, weekday: int, first: int, count: int) -> tuple[int, tuple[int, ...]]:
        total, hits = count * SCALE, []
        for rule in self._rules:
            for low, high in rule.spans_on(weekday):
                hours, first_hit = _hours_in(low, high, first, count)
                if hours:
                    total += hours * rule.extra
                    hits.append((first_hit, rule.index))
        return total, tuple(index for _, index in sorted(hits))


def _hours_in(low: int, high: int, first: int, count: int) -> tuple[int, int]:
    """How many of the hour starts first + k hours (0 <= k < count) fall in [low, high),
    and the first such k."""
    k_low = max(0, -((first - low) // HOUR))
    k_high = min(count, -((first - high) // HOUR))
    return max(0, k_high - k_low), k_low
