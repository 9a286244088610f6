"""The labels of a breakdown's lines: what a customer or an operator reads."""

from __future__ import annotations

from collections.abc import Sequence

from shared.pricing.scale import SCALE, scaled
from shared.pricing.terms import Season, TimeOfDay

_TIMES = "\u00d7"  # the multiplication sign
_DASH = "\u2013"
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def decimal_text(multiplier: float) -> str:
    """A multiplier's shortest decimal text: 1.30 is '1.3', 2.0 is '2'."""
    whole, rest = divmod(scaled(multiplier), SCALE)
    return f"{whole}.{rest:04d}".rstrip("0").rstrip(".")


def seasons_label(seasons: Sequence[Season]) -> str:
    """'season Summer x1.2', or several: 'seasons Summer x1.2, Christmas x1.5'."""
    names = ", ".join(_season_name(season) for season in seasons)
    return ("season " if len(seasons) == 1 else "seasons ") + names


def _season_name(season: Season) -> str:
    label = season.name or f"{season.start.isoformat()} to {season.end.isoformat()}"
    return f"{label} {_TIMES}{decimal_text(season.multiplier)}"


def rules_label(rules: Sequence[TimeOfDay]) -> str:
    """'time of day Night x1.5, Sat,Sun 10:00-18:00 x1.2'."""
    return "time of day " + ", ".join(_rule_name(rule) for rule in rules)


def _rule_name(rule: TimeOfDay) -> str:
    days = ",".join(_WEEKDAYS[day - 1] for day in sorted(rule.weekdays))
    label = rule.name or f"{days} {rule.start_time:%H:%M}{_DASH}{rule.end_time:%H:%M}"
    return f"{label} {_TIMES}{decimal_text(rule.multiplier)}"


def demand_label(multiplier: float, percent_booked: int) -> str:
    """'demand x1.3 at 82 % booked'."""
    return f"demand {_TIMES}{decimal_text(multiplier)} at {percent_booked} % booked"


def extra_label(name: str, days: int | None) -> str:
    """'Child seat (3 days)' for an extra per day, 'GPS (per booking)' otherwise."""
    if days is None:
        return f"{name} (per booking)"
    return f"{name} ({days} day{'' if days == 1 else 's'})"
