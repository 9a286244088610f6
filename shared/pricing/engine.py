"""The pricing engine: the whole price of a window under one policy version, as a breakdown
whose lines sum exactly to it. Pure: the same policy version, window, demand figure and
extras always give the same `Priced` (see docs/pricing.md)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from fractions import Fraction

from shared.contract.pricing import price_cents
from shared.pricing.labels import demand_label, extra_label, rules_label, seasons_label
from shared.pricing.multipliers import HourSums, demand_tier, hour_sums, utilization
from shared.pricing.priced import BreakdownLine, DemandFigure, PolicyVersion, Priced
from shared.pricing.rate_table import as_utc, cheapest, started_hours
from shared.pricing.scale import SCALE, scaled
from shared.pricing.terms import DemandTier, Extra, PricingTerms


class UnknownExtraError(ValueError):
    """An extra code the policy does not offer."""


class DuplicateExtraError(UnknownExtraError):
    """An extra code requested twice (caught wherever an unknown one is)."""


def price_window(
    policy: PolicyVersion,
    start: datetime,
    end: datetime,
    *,
    booked_hours: int,
    capacity_hours: int,
    extras: Sequence[str] = (),
) -> Priced:
    """The whole price of [start, end) under one policy version and demand figure."""
    terms = policy.terms
    start_utc, hours = _window(start, end)
    rates = terms.rates
    base = cheapest(hours, rates.hourly_cents, rates.daily_cents, rates.weekly_cents)
    sums = hour_sums(terms.seasons, terms.time_of_day, terms.timezone, start_utc, hours)
    share = utilization(booked_hours, capacity_hours)
    tier = demand_tier(terms.demand, share)
    lines = [BreakdownLine(label=base.label, amount_cents=base.cents)]
    lines += _multiplier_lines(terms, base.cents, hours, sums, tier, share)
    lines += _extra_lines(terms.extras, extras, hours)
    return Priced(
        price_cents=sum(line.amount_cents for line in lines),
        currency=terms.currency,
        breakdown=lines,
        deposit_cents=terms.deposit_cents,
        extras=list(extras),
        policy_id=policy.policy_id,
        policy_version=policy.version,
        demand=_demand_figure(booked_hours, capacity_hours, share, tier),
    )


def price_by_vehicle_rates(
    start: datetime, end: datetime, hourly_cents: int, daily_cents: int, currency: str
) -> Priced:
    """A vehicle no policy matches, priced by its own rates as before: one line."""
    start_utc, hours = _window(start, end)
    cents = price_cents(start_utc, as_utc(end), hourly_cents, daily_cents)
    label = cheapest(hours, hourly_cents, daily_cents, None).label
    line = BreakdownLine(label=label, amount_cents=cents)
    return Priced(price_cents=cents, currency=currency, breakdown=[line])


def _window(start: datetime, end: datetime) -> tuple[datetime, int]:
    """The start in UTC and the number of started hours; refuses an empty window."""
    start_utc = as_utc(start)
    if as_utc(end) <= start_utc:
        raise ValueError("the window must end after it starts")
    return start_utc, started_hours(start, end)


def round_half_up(numerator: int, denominator: int) -> int:
    """The integer nearest to numerator / denominator (both >= 0), halves rounded up."""
    return (2 * numerator + denominator) // (2 * denominator)


def _multiplier_lines(
    terms: PricingTerms,
    base: int,
    hours: int,
    sums: HourSums,
    tier: DemandTier | None,
    share: Fraction,
) -> list[BreakdownLine]:
    """Season, time-of-day and demand lines, composed cumulatively so they sum exactly."""
    demand = SCALE if tier is None else scaled(tier.multiplier)
    p1 = round_half_up(base * sums.season, hours * SCALE)
    p2 = round_half_up(base * sums.combined, hours * SCALE**2)
    p3 = round_half_up(base * sums.combined * demand, hours * SCALE**3)
    lines = []
    if sums.seasons:
        label = seasons_label([terms.seasons[i] for i in sums.seasons])
        lines.append(BreakdownLine(label=label, amount_cents=p1 - base))
    if sums.rules:
        label = rules_label([terms.time_of_day[i] for i in sums.rules])
        lines.append(BreakdownLine(label=label, amount_cents=p2 - p1))
    if tier is not None:
        label = demand_label(
            tier.multiplier, round_half_up(share.numerator * 100, share.denominator)
        )
        lines.append(BreakdownLine(label=label, amount_cents=p3 - p2))
    return lines


def _extra_lines(offered: Sequence[Extra], codes: Sequence[str], hours: int) -> list[BreakdownLine]:
    """One line per requested extra, in the order requested."""
    by_code = {extra.code: extra for extra in offered}
    days = -(-hours // 24)
    lines = []
    for position, code in enumerate(codes):
        if code in codes[:position]:
            raise DuplicateExtraError(f"extra {code!r} is requested more than once")
        if code not in by_code:
            raise UnknownExtraError(f"this pricing policy offers no extra {code!r}")
        extra = by_code[code]
        count = days if extra.per == "day" else 1
        label = extra_label(extra.name, days if extra.per == "day" else None)
        lines.append(BreakdownLine(label=label, amount_cents=extra.price_cents * count))
    return lines


def _demand_figure(
    booked: int, capacity: int, share: Fraction, tier: DemandTier | None
) -> DemandFigure:
    """The demand figure the price used, to cite and to re-derive it."""
    multiplier = 1.0 if tier is None else tier.multiplier
    return DemandFigure(
        booked_hours=booked,
        capacity_hours=capacity,
        utilization=round(float(share), 4),
        multiplier=multiplier,
    )
