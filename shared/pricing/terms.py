"""The terms of one version of a pricing policy: the body of POST/PUT
/v1/pricing/policies, the data of its events, and the engine's input.

Money is integer cents. Multipliers are decimals with at most 4 places (1.25, 0.8): the
engine reads them as exact fractions, so the same terms always give the same cents.
Times of day, weekdays and season dates are read in the policy's `timezone`.
The validators refuse terms that are not consistent (422 through the validation handler).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from datetime import date, time
from fractions import Fraction
from itertools import pairwise
from typing import Annotated, Literal, Self
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from shared.pricing.clock import DAY, day_spans, micros
from shared.pricing.scale import exact, scaled

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _refuse(kind: str, message: str) -> PydanticCustomError:
    """A validation error with its own type and a message for the API user."""
    return PydanticCustomError(kind, message)


def _four_places(value: float) -> float:
    """Refuses a multiplier with more than 4 decimal places."""
    try:
        scaled(value)
    except ValueError:
        raise _refuse("multiplier_precision", "a multiplier has at most 4 decimal places") from None
    return value


def _unique(values: Sequence[Hashable], what: str) -> None:
    """Refuses a list naming the same value twice."""
    seen: set[Hashable] = set()
    for value in values:
        if value in seen:
            raise _refuse("duplicate", f"{what} {value} is given more than once")
        seen.add(value)


Cents = Annotated[int, Field(ge=0, le=100_000_000)]
PositiveCents = Annotated[int, Field(gt=0, le=100_000_000)]
Multiplier = Annotated[
    float,
    Field(gt=0, le=10, description="at most 4 decimal places"),
    AfterValidator(_four_places),
]
Code = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
Label = Annotated[str, Field(min_length=1, max_length=120)]


class Terms(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AppliesTo(Terms):
    """Which vehicles of the organization the policy prices: every given criterion must
    match (none given: every vehicle)."""

    vehicle_ids: list[UUID] | None = Field(default=None, max_length=10_000)
    make: Label | None = None
    model: Label | None = None
    location_id: UUID | None = None

    @field_validator("vehicle_ids")
    @classmethod
    def _distinct_vehicles(cls, ids: list[UUID] | None) -> list[UUID] | None:
        _unique(ids or [], "vehicle id")
        return ids


class Rates(Terms):
    """The rate table: the cheapest combination of started hours, days and weeks."""

    hourly_cents: PositiveCents
    daily_cents: PositiveCents
    weekly_cents: PositiveCents | None = None

    @model_validator(mode="after")
    def _units_grow(self) -> Self:
        if self.daily_cents < self.hourly_cents:
            raise _refuse("rates_order", "daily_cents cannot be less than hourly_cents")
        if self.weekly_cents is not None and self.weekly_cents < self.daily_cents:
            raise _refuse("rates_order", "weekly_cents cannot be less than daily_cents")
        return self


class Season(Terms):
    """Every hour whose local date is in [start, end] (both days included)."""

    start: date
    end: date
    multiplier: Multiplier
    name: Label | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end < self.start:
            raise _refuse("season_order", "a season cannot end before it starts")
        return self


class TimeOfDay(Terms):
    """Every hour starting on one of `weekdays` (ISO: 1 = Monday) at a local time in
    [start_time, end_time); an end at or before the start runs past midnight."""

    weekdays: list[Annotated[int, Field(ge=1, le=7)]] = Field(min_length=1, max_length=7)
    start_time: time
    end_time: time
    multiplier: Multiplier
    name: Label | None = None

    @model_validator(mode="after")
    def _well_formed(self) -> Self:
        if self.start_time.tzinfo is not None or self.end_time.tzinfo is not None:
            raise _refuse(
                "time_offset", "times of day are local to the policy's timezone: drop the offset"
            )
        if self.start_time == self.end_time:
            raise _refuse("empty_time_range", "start_time and end_time must differ")
        _unique(self.weekdays, "weekday")
        return self

    def week_spans(self) -> list[tuple[int, int]]:
        """The microseconds of the week (Monday 00:00 = 0) it covers, as [from, to) spans."""
        start, end = micros(self.start_time), micros(self.end_time)
        return [
            ((day - 1) * DAY + low, (day - 1) * DAY + high)
            for day in range(1, 8)
            for low, high in day_spans(self.weekdays, start, end, day)
        ]


class DemandTier(Terms):
    """Applies when the booked share of the policy's vehicles over the window is at
    least `min_utilization`; the highest matching tier wins."""

    min_utilization: Annotated[float, Field(ge=0, le=1)]
    multiplier: Multiplier


class Extra(Terms):
    """An add-on a customer may pick: priced once per booking or per started day."""

    code: Code
    name: Label
    price_cents: Cents
    per: Literal["booking", "day"]


class PricingTerms(Terms):
    """One version of a pricing policy, whole."""

    name: Label
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    applies_to: AppliesTo = AppliesTo()
    priority: Annotated[int, Field(ge=0, le=1_000_000)] = 0
    rates: Rates
    seasons: list[Season] = Field(default_factory=list, max_length=366)
    time_of_day: list[TimeOfDay] = Field(default_factory=list, max_length=168)
    demand: list[DemandTier] = Field(default_factory=list, max_length=20)
    extras: list[Extra] = Field(default_factory=list, max_length=50)
    deposit_cents: Cents = 0
    timezone: Annotated[str, Field(min_length=1, max_length=64)] = "UTC"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, key: str) -> str:
        try:
            ZoneInfo(key)
        except (ZoneInfoNotFoundError, ValueError):
            raise _refuse("unknown_timezone", f"unknown IANA timezone {key!r}") from None
        return key

    @field_validator("seasons")
    @classmethod
    def _seasons_apart(cls, seasons: list[Season]) -> list[Season]:
        ordered = sorted(seasons, key=lambda s: s.start)
        for before, after in pairwise(ordered):
            if after.start <= before.end:
                raise _refuse(
                    "overlapping_seasons",
                    f"seasons {before.start}..{before.end} and {after.start}..{after.end} overlap",
                )
        return seasons

    @field_validator("time_of_day")
    @classmethod
    def _rules_apart(cls, rules: list[TimeOfDay]) -> list[TimeOfDay]:
        spans = sorted(
            (span, index) for index, rule in enumerate(rules) for span in rule.week_spans()
        )
        for (before, first), (after, second) in pairwise(spans):
            if after[0] < before[1]:
                day = _WEEKDAYS[after[0] // DAY]
                raise _refuse(
                    "overlapping_time_of_day",
                    f"time_of_day[{min(first, second)}] and time_of_day[{max(first, second)}] "
                    f"both cover a time on {day}",
                )
        return rules

    @field_validator("extras")
    @classmethod
    def _distinct_extras(cls, extras: list[Extra]) -> list[Extra]:
        _unique([extra.code for extra in extras], "extra code")
        return extras

    @field_validator("demand")
    @classmethod
    def _distinct_tiers(cls, tiers: list[DemandTier]) -> list[DemandTier]:
        _unique([tier.min_utilization for tier in tiers], "min_utilization")
        # A fuller policy never costs less: multipliers rise with utilization, and below
        # the lowest tier the multiplier is 1 (a discount tier must start at 0).
        steps = sorted((exact(t.min_utilization), exact(t.multiplier)) for t in tiers)
        floor = [] if steps and steps[0][0] == 0 else [(Fraction(0), Fraction(1))]
        for lower, higher in pairwise(floor + steps):
            if higher[1] < lower[1]:
                raise _refuse(
                    "falling_demand",
                    "demand multipliers cannot fall as utilization rises "
                    "(below the lowest tier the multiplier is 1; a discount tier starts at 0)",
                )
        return tiers
