"""The domain's rules as the OpenAPI document states them, so that clients, generators and
contract-driven fuzzers send what the domain accepts.

Documentation only: the domain stays the one place that enforces a rule (and words its
422); these field types publish its own constants and patterns.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, Field

from command_service.domain import rules

_CLASS = re.compile(r"\[([^\]]*)\]")
_ITEM = re.compile(r"(.)-(.)|(.)")  # a range, else a single character, of a class


def any_case(pattern: str) -> str:
    """`pattern` with the uppercase letters of its classes also matching lowercase (the
    domain uppercases); the lowercase items go first, so a trailing `-` stays literal."""

    def widen(match: re.Match[str]) -> str:
        lower = ""
        for first, last, single in _ITEM.findall(match[1]):
            if single.isupper():
                lower += single.lower()
            elif first.isupper() and last.isupper():
                lower += f"{first.lower()}-{last.lower()}"
        return f"[{lower}{match[1]}]"

    return _CLASS.sub(widen, pattern)


def _year_range(schema: dict[str, Any]) -> None:
    """Model years the domain accepts when the document is built."""
    schema.update(minimum=rules.MIN_YEAR, maximum=datetime.now(UTC).year + 1)


Vin = Annotated[
    str,
    Field(
        min_length=1,
        max_length=32,
        description="17 characters of 0-9 and A-Z without I, O and Q (ISO 3779); "
        "uppercased and trimmed. Unique in the fleet.",
        json_schema_extra={"pattern": any_case(rules.VIN_PATTERN)},
    ),
]
Plate = Annotated[
    str,
    Field(
        min_length=1,
        max_length=32,
        description=f"{rules.PLATE_LENGTH[0]}-{rules.PLATE_LENGTH[1]} characters of A-Z, "
        "0-9, space or hyphen (at least two letters or digits) once uppercased and with "
        "inner spaces collapsed. Unique in the fleet, ignoring spaces and hyphens.",
        # The domain's limit (pydantic admits 32 raw characters, spaces collapse later).
        json_schema_extra={
            "pattern": any_case(rules.PLATE_PATTERN),
            "maxLength": rules.PLATE_LENGTH[1],
        },
    ),
]
Currency = Annotated[
    str,
    Field(
        min_length=3,
        max_length=3,
        description="ISO 4217 code, three uppercase letters.",
        json_schema_extra={"pattern": rules.CURRENCY_PATTERN},
    ),
]
Year = Annotated[
    int,
    Field(
        description=f"Model year, {rules.MIN_YEAR} to next year.",
        json_schema_extra=_year_range,
    ),
]
Seats = Annotated[
    int,
    Field(
        description=f"1 to {rules.MAX_SEATS}.",
        json_schema_extra={"minimum": 1, "maximum": rules.MAX_SEATS},
    ),
]
TtlSeconds = Annotated[
    int,
    Field(
        description=f"How long the hold blocks the window, {rules.MIN_HOLD_TTL_SECONDS}.."
        f"{rules.MAX_HOLD_TTL_SECONDS} s.",
        json_schema_extra={
            "minimum": rules.MIN_HOLD_TTL_SECONDS,
            "maximum": rules.MAX_HOLD_TTL_SECONDS,
        },
    ),
]
_MINUTES = int(rules.MIN_BOOKING_LENGTH.total_seconds() // 60)
BookingStart = Annotated[
    AwareDatetime,
    Field(
        description="In the future, at most "
        f"{rules.MAX_BOOKING_AHEAD.days} days ahead; RFC 3339 with an offset."
    ),
]
BookingEnd = Annotated[
    AwareDatetime,
    Field(
        description=f"{_MINUTES} minutes to {rules.MAX_BOOKING_LENGTH.days} days after "
        "`start`; the window is [start, end)."
    ),
]
MaintenanceStart = Annotated[
    AwareDatetime,
    Field(
        description="No earlier than "
        f"{int(rules.MAINTENANCE_START_GRACE.total_seconds() // 60)} minutes ago."
    ),
]
MaintenanceEnd = Annotated[
    AwareDatetime,
    Field(description=f"After `start`, at most {rules.MAX_MAINTENANCE_LENGTH.days} days later."),
]
CostCentre = Annotated[
    str,
    Field(
        min_length=1,
        max_length=rules.MAX_NAME_LENGTH,
        description="Whom a corporate pool charges the booking to: 1.."
        f"{rules.MAX_NAME_LENGTH} characters, trimmed (not only spaces).",
    ),
]
