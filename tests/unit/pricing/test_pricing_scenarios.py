"""Hand-computed prices: season x time of day x demand x extras x weekly cap, in
Europe/Berlin (CEST = UTC+2 in summer; DST starts 2026-03-29 and ends 2026-10-25).
Rates unless stated: 1000/hour, 6000/day, 30000/week. P1 = base x mean(season),
P2 = base x mean(season x time of day), P3 = P2's exact value x demand, each rounded half up."""

from __future__ import annotations

from typing import Any

import pytest

from shared.pricing.engine import price_window
from tests.unit.pricing.policies import (
    GPS,
    HALF_UP,
    NIGHT,
    QUIET,
    SEAT,
    SUMMER,
    SURGE,
    WEEKEND,
    policy,
    terms,
    utc,
)

ALL = {"seasons": [SUMMER], "time_of_day": [NIGHT, WEEKEND], "demand": SURGE, "extras": [SEAT, GPS]}
CHEAP_HOURS = {"hourly_cents": 200, "daily_cents": 6_000}

SCENARIOS = [
    # Tue 12:00-15:00 local, June (no season): 3 h x 1000 = 3000 < 6000.
    pytest.param(ALL, "2026-06-02 10:00", "2026-06-02 13:00", 0, 10, [],
                 [("3 hours", 3_000)], 3_000, id="hours"),
    # 8 h x 1000 = 8000 > 6000: one started day.
    pytest.param(ALL, "2026-06-02 08:00", "2026-06-02 16:00", 0, 10, [],
                 [("1 day", 6_000)], 6_000, id="daily-cap"),
    # Mon 08:00 -> Sun 09:00 local = 145 h: 6 days + 1 h = 37000 > 1 week = 30000.
    pytest.param({}, "2026-06-01 06:00", "2026-06-07 07:00", 0, 10, [],
                 [("1 week", 30_000)], 30_000, id="weekly-cap"),
    # 219 h: 1 week + 51 h = 30000 + 2 x 6000 + 3 x 1000 = 45000 (2 weeks 60000;
    # 9 days + 3 h 57000); seat: ceil(219/24) = 10 days x 500; gps once 1500.
    pytest.param({"extras": [SEAT, GPS]}, "2026-06-01 06:00", "2026-06-10 09:00", 0, 10,
                 ["seat", "gps"],
                 [("1 week + 2 days + 3 hours", 45_000), ("Child seat (10 days)", 5_000),
                  ("GPS (per booking)", 1_500)], 51_500, id="weeks-days-hours-extras"),
    # Fri 10:00-14:00 local in summer: 4000 x 1.2 = 4800.
    pytest.param(ALL, "2026-07-10 08:00", "2026-07-10 12:00", 0, 10, [],
                 [("4 hours", 4_000), ("season Summer \u00d71.2", 800)], 4_800, id="season"),
    # Mon 31 Aug 20:00 -> Tue 1 Sep 02:00 local: 6 h x 1000 = 6000 ties the day (the day
    # is named); 4 summer hours, 2 not: 6000 x (4 x 1.2 + 2) / 6 = 6800.
    pytest.param(ALL, "2026-08-31 18:00", "2026-09-01 00:00", 0, 10, [],
                 [("1 day", 6_000), ("season Summer \u00d71.2", 800)], 6_800, id="season-ends"),
    # Fri 20:00 -> Sat 02:00 local: 22:00-02:00 is Friday's night (x1.5), 4 of 6 hours:
    # 6000 x (2 + 4 x 1.5) / 6 = 8000.
    pytest.param(ALL, "2026-06-05 18:00", "2026-06-06 00:00", 0, 10, [],
                 [("1 day", 6_000), ("time of day Night \u00d71.5", 2_000)], 8_000,
                 id="night-wraps-midnight"),
    # Thu 22:00 -> Fri 04:00 local: Friday 00:00-04:00 belongs to Thursday's night, and
    # Thursday has none: no rule applies, no line.
    pytest.param(ALL, "2026-06-04 20:00", "2026-06-05 02:00", 0, 10, [],
                 [("1 day", 6_000)], 6_000, id="night-belongs-to-its-start-day"),
    # 82 of 100 vehicle-hours booked: the 0.8 tier, 4000 x 1.3 = 5200.
    pytest.param(ALL, "2026-06-02 10:00", "2026-06-02 14:00", 82, 100, [],
                 [("4 hours", 4_000), ("demand \u00d71.3 at 82 % booked", 1_200)], 5_200,
                 id="demand-surge"),
    # No capacity: utilization 0, the quiet tier at 0: 4000 x 0.85 = 3400.
    pytest.param({"demand": QUIET}, "2026-06-02 10:00", "2026-06-02 14:00", 0, 0, [],
                 [("4 hours", 4_000), ("demand \u00d70.85 at 0 % booked", -600)], 3_400,
                 id="demand-discount"),
    # Sat 16:00 -> Sun 00:00 local in summer, 8 h -> 1 day 6000. Season: 6000 x 1.2 = 7200.
    # Time of day: 16-18 Weekend x1.25, 22-24 Night x1.5: 6000 x 1.2 x (2 x 1.25 + 4 +
    # 2 x 1.5) / 8 = 8550. Demand 0.55 -> x1.1: 9405. Seat 1 day 500, gps 1500: 11405.
    pytest.param(ALL, "2026-07-11 14:00", "2026-07-11 22:00", 55, 100, ["seat", "gps"],
                 [("1 day", 6_000), ("season Summer \u00d71.2", 1_200),
                  ("time of day Weekend \u00d71.25, Night \u00d71.5", 1_350),
                  ("demand \u00d71.1 at 55 % booked", 855), ("Child seat (1 day)", 500),
                  ("GPS (per booking)", 1_500)], 11_405, id="everything"),
    # Sun 29 Mar, local midnight to midnight, is 23 absolute hours (02:00 is skipped):
    # 23 x 200 = 4600. Weekend 10-18 local is 8 of them: 4600 x (15 + 8 x 1.25) / 23 = 5000.
    pytest.param({"rates": CHEAP_HOURS, "time_of_day": [WEEKEND]},
                 "2026-03-28 23:00", "2026-03-29 22:00", 0, 10, [],
                 [("23 hours", 4_600), ("time of day Weekend \u00d71.25", 400)], 5_000,
                 id="dst-starts-23-hours"),
    # Same day at 1000/hour: 1 day 6000; 6000 x 25 / 23 = 6521.74 -> 6522.
    pytest.param({"time_of_day": [WEEKEND]}, "2026-03-28 23:00", "2026-03-29 22:00", 0, 10, [],
                 [("1 day", 6_000), ("time of day Weekend \u00d71.25", 522)], 6_522,
                 id="dst-starts-rounds-half-up"),
    # Sun 25 Oct, local midnight to midnight, is 25 absolute hours: 25 x 200 = 5000 (a day
    # costs 6000 > 24 x 200). 00:00-06:00 local is Saturday's night and lasts 7 hours
    # (02:00 twice): 5000 x (7 x 1.5 + 18) / 25 = 5700.
    pytest.param({"rates": CHEAP_HOURS, "time_of_day": [NIGHT]},
                 "2026-10-24 22:00", "2026-10-25 23:00", 0, 10, [],
                 [("25 hours", 5_000), ("time of day Night \u00d71.5", 700)], 5_700,
                 id="dst-ends-25-hours-night-wraps"),
    # Mon 23 Mar 12:00 CET -> Mon 30 Mar 12:00 CEST is 167 h: 6 days + 23 h = 42000 >
    # 1 week 30000; seat ceil(167/24) = 7 days x 500 = 3500; utilization 0.3: no tier.
    pytest.param({"demand": SURGE, "extras": [SEAT]}, "2026-03-23 11:00", "2026-03-30 10:00",
                 3, 10, ["seat"], [("1 week", 30_000), ("Child seat (7 days)", 3_500)], 33_500,
                 id="weekly-cap-across-dst"),
    # 337 h in summer: 2 weeks + 1 h = 61000 (3 weeks 90000; 14 days + 1 h 85000);
    # x1.2 = 73200; utilization 0.9 -> x1.3: 95160.
    pytest.param({"seasons": [SUMMER], "demand": SURGE}, "2026-07-06 10:00", "2026-07-20 11:00",
                 9, 10, [], [("2 weeks + 1 hour", 61_000), ("season Summer \u00d71.2", 12_200),
                             ("demand \u00d71.3 at 90 % booked", 21_960)], 95_160,
                 id="weeks-season-demand"),
    # 1 h at 333 in a x1.5 season: 499.5 rounds half up to 500.
    pytest.param({"rates": {"hourly_cents": 333, "daily_cents": 6_000}, "seasons": [HALF_UP]},
                 "2026-07-02 10:00", "2026-07-02 11:00", 0, 10, [],
                 [("1 hour", 333), ("season Peak \u00d71.5", 167)], 500, id="half-cent-rounds-up"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("parts", "start", "end", "booked", "capacity", "extras", "lines", "price"), SCENARIOS
)
def test_prices_the_hand_computed_scenario(
    parts: dict[str, Any],
    start: str,
    end: str,
    booked: int,
    capacity: int,
    extras: list[str],
    lines: list[tuple[str, int]],
    price: int,
) -> None:
    priced = price_window(
        policy(terms(**parts)),
        utc(start),
        utc(end),
        booked_hours=booked,
        capacity_hours=capacity,
        extras=extras,
    )
    assert [(line.label, line.amount_cents) for line in priced.breakdown] == lines
    assert priced.price_cents == price
