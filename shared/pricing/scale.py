"""Multipliers as exact numbers: the terms allow at most 4 decimal places, so a multiplier
is its decimal text times SCALE, an integer (1.1 is 11 000)."""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

SCALE = 10_000


@lru_cache(maxsize=4_096)
def exact(multiplier: float) -> Fraction:
    """The number as the exact fraction its decimal text names (1.1 is 11/10)."""
    return Fraction(str(multiplier))


def scaled(multiplier: float) -> int:
    """The multiplier x SCALE as an exact integer."""
    # The float nearest n/SCALE prints as n/SCALE's decimal text (a shorter text would be
    # another float), so this equals exact(multiplier) * SCALE without building a Fraction.
    nearest = round(multiplier * SCALE)
    if nearest / SCALE != multiplier:
        raise ValueError(f"multiplier {multiplier} has more than 4 decimal places")
    return nearest
