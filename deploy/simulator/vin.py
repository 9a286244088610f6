"""Vehicle identification numbers with a valid ISO 3779 structure and check digit."""

from __future__ import annotations

import random

ALPHABET = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"  # ISO 3779: no I, O, Q
# North-American check digit (49 CFR 565): transliteration and position weights.
_VALUES = {**{str(d): d for d in range(10)}, **dict(zip("ABCDEFGH", range(1, 9), strict=True))}
_VALUES |= dict(zip("JKLMN", range(1, 6), strict=True)) | {"P": 7, "R": 9}
_VALUES |= dict(zip("STUVWXYZ", range(2, 10), strict=True))
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
# Position 10: model year, a 30-year cycle from 1980 (A) that skips I, O, Q, U, Z and 0.
YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"


def check_digit(vin: str) -> str:
    """The check digit (position 9) of a 17-character VIN: 0-9 or X."""
    total = sum(_VALUES[c] * w for c, w in zip(vin.upper(), _WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def year_code(year: int) -> str:
    return YEAR_CODES[(year - 1980) % 30]


def is_valid(vin: str) -> bool:
    """17 characters of the ISO 3779 alphabet with a correct check digit."""
    return len(vin) == 17 and all(c in ALPHABET for c in vin) and vin[8] == check_digit(vin)


def make_vin(rng: random.Random, wmi: str, year: int, serial: int) -> str:
    """WMI + 5-character descriptor + check digit + year + plant + 6-digit serial."""
    descriptor = "".join(rng.choice(ALPHABET[10:]) for _ in range(5))
    plant = rng.choice(ALPHABET[10:])
    draft = f"{wmi}{descriptor}0{year_code(year)}{plant}{serial % 1_000_000:06d}"
    return draft[:8] + check_digit(draft) + draft[9:]
