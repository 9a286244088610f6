"""How customers and operators behave: pure sampling functions over a seeded Random."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

STEP = timedelta(minutes=15)
# Relative booking activity by hour of day (when people book, not when they drive).
REQUEST_BY_HOUR = (1, 1, 1, 1, 1, 2, 4, 7, 9, 8, 7, 7, 8, 7, 7, 8, 9, 10, 11, 10, 8, 6, 4, 2)
# Preferred start hour of a booking: commute peaks on weekdays, late mornings at weekends.
START_WEEKDAY = (0, 0, 0, 0, 0, 1, 4, 9, 10, 6, 4, 4, 5, 4, 4, 5, 8, 10, 9, 6, 4, 2, 1, 0)
START_WEEKEND = (0, 0, 0, 0, 0, 0, 1, 2, 5, 9, 11, 10, 8, 6, 5, 4, 4, 4, 4, 3, 2, 1, 1, 0)
WEEKEND_LIFT = 1.4  # more demand on Saturdays and Sundays


@dataclass(frozen=True)
class Fate:
    """What will become of a booking: a trip, a cancellation or a no-show."""

    kind: str  # "trip" | "cancel" | "no_show"
    at: datetime  # trip start or cancellation time
    until: datetime | None = None  # trip end
    km: int = 0


def ceil_step(moment: datetime) -> datetime:
    """The first step boundary at or after `moment`."""
    epoch = datetime(2000, 1, 1, tzinfo=moment.tzinfo)
    steps = math.ceil((moment - epoch) / STEP)
    return epoch + steps * STEP


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth; fine for the small means of one step)."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def demand(now: datetime) -> float:
    """How many booking attempts this hour brings, relative to the daily mean."""
    lift = WEEKEND_LIFT if now.weekday() >= 5 else 1.0
    return REQUEST_BY_HOUR[now.hour] * 24 / sum(REQUEST_BY_HOUR) * lift


def booking_window(rng: random.Random, now: datetime) -> tuple[datetime, datetime]:
    """A wanted [start, end): realistic lead time, start hour and length (15 min .. 30 days)."""
    lead = rng.random()
    if lead < 0.25:  # later today
        start = ceil_step(now + timedelta(minutes=rng.randint(45, 8 * 60)))
    else:
        days = rng.randint(1, 3) if lead < 0.7 else rng.randint(4, 10) if lead < 0.95 else 20
        day = (now + timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
        weights = START_WEEKEND if day.weekday() >= 5 else START_WEEKDAY
        hour = rng.choices(range(24), weights=weights)[0]
        start = day + timedelta(hours=hour, minutes=15 * rng.randrange(4))
    return start, start + booking_length(rng)


def booking_length(rng: random.Random) -> timedelta:
    kind = rng.random()
    if kind < 0.04:
        return timedelta(minutes=rng.choice((15, 30, 45)))
    if kind < 0.50:
        return timedelta(minutes=15 * rng.randint(4, 16))  # 1-4 h
    if kind < 0.80:
        return timedelta(hours=rng.randint(5, 12))
    if kind < 0.94:
        return timedelta(days=rng.randint(1, 2))
    return timedelta(days=rng.randint(3, 7))


def trip_km(rng: random.Random, hours: float) -> int:
    """Plausible distance: city speeds for the first hours, touring on longer rentals."""
    km = min(hours, 3) * rng.uniform(12, 40) + max(0.0, hours - 3) * rng.uniform(2, 12)
    return max(1, min(round(km), round(900 * max(hours, 1) / 24)))


def booking_fate(rng: random.Random, now: datetime, start: datetime, end: datetime) -> Fate:
    """Cancelled (about 10 %), no-show (about 5 %) or driven inside the window."""
    roll = rng.random()
    if roll < 0.10 and start - now > 2 * STEP:
        cancel_at = now + STEP + (start - now - 2 * STEP) * rng.random()
        return Fate("cancel", cancel_at)
    if roll > 0.95:
        return Fate("no_show", end)
    early = timedelta(minutes=rng.choice((-15, -10, -5, 0, 0, 0, 5, 10, 20)))
    begin = max(start + early, now + STEP)
    length = end - start
    finish = max(end - length * rng.uniform(0, 0.15), begin + STEP)
    return Fate("trip", begin, finish, trip_km(rng, (finish - begin) / timedelta(hours=1)))


def hold_plan(rng: random.Random, now: datetime) -> tuple[int, str, datetime]:
    """(ttl_seconds, confirm | release | expire, when the customer acts)."""
    roll = rng.random()
    fate = "confirm" if roll < 0.6 else "release" if roll < 0.75 else "expire"
    ttl = rng.choice((1800, 2700, 3600))
    act_at = now + STEP * rng.randint(1, ttl // 900 - 1)
    return ttl, fate, act_at


# Price response: at the list price (rate table and extras, no multiplier) most customers
# who asked for a quote book; a dearer quote loses them fast, a cheaper one wins a few.
ACCEPT_AT_LIST = 0.85
ELASTICITY_UP = 2.0  # above the list price
ELASTICITY_DOWN = 1.0  # below it: discounts move people less than surcharges
ACCEPT_MAX = 0.97  # some walk away whatever the price


def acceptance(ratio: float) -> float:
    """The probability that a customer books at `ratio` = quoted price / list price."""
    elasticity = ELASTICITY_UP if ratio >= 1 else ELASTICITY_DOWN
    return min(ACCEPT_MAX, ACCEPT_AT_LIST * float(max(ratio, 0.01) ** -elasticity))


def extras_wanted(rng: random.Random) -> list[str]:
    """The extras a customer adds: a child seat (8 %), an additional driver (10 %)."""
    wanted = ["child-seat"] if rng.random() < 0.08 else []
    return wanted + (["additional-driver"] if rng.random() < 0.10 else [])
