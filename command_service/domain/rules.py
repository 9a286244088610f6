"""Validation, pricing and refund rules of the vehicle aggregate, with their constants."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from command_service.domain.errors import InvalidCommandError, InvalidTransitionError
from shared.contract.events import Location, VehicleStatus, as_utc
from shared.contract.pricing import price_cents as price_cents  # re-exported for the domain
from shared.contract.refunds import refund_percent as refund_percent  # re-exported too

MIN_BOOKING_LENGTH = timedelta(minutes=15)
MAX_BOOKING_LENGTH = timedelta(days=30)
MAX_BOOKING_AHEAD = timedelta(days=365)
MAX_MAINTENANCE_LENGTH = timedelta(days=90)
MAINTENANCE_START_GRACE = timedelta(minutes=5)
TRIP_GRACE = timedelta(minutes=15)
MIN_HOLD_TTL_SECONDS = 60
MAX_HOLD_TTL_SECONDS = 3600
MIN_YEAR = 1950
MAX_SEATS = 99
MAX_RATE_CENTS = 10**9
MAX_ODOMETER_KM = 10**7
MAX_NAME_LENGTH = 64

# The shapes as patterns (also published in the OpenAPI document), over canonical values.
VIN_PATTERN = r"^[A-HJ-NPR-Z0-9]{17}$"
# A-Z, 0-9, space or hyphen, with at least two letters or digits; 2..12 characters.
PLATE_PATTERN = r"^[A-Z0-9 -]*[A-Z0-9][A-Z0-9 -]*[A-Z0-9][A-Z0-9 -]*$"
PLATE_LENGTH = (2, 12)
CURRENCY_PATTERN = r"^[A-Z]{3}$"
_VIN = re.compile(VIN_PATTERN)
_PLATE = re.compile(PLATE_PATTERN)
_CURRENCY = re.compile(CURRENCY_PATTERN)
_NOT_ALNUM = re.compile(r"[^A-Z0-9]")

STATUS_MACHINE: dict[VehicleStatus, frozenset[VehicleStatus]] = {
    "available": frozenset({"in_use", "maintenance", "inactive"}),
    "in_use": frozenset({"available", "maintenance"}),
    "maintenance": frozenset({"available"}),
    "inactive": frozenset({"available"}),
}
# Operators never set in_use, and only ending a trip brings an in_use vehicle back.
OPERATOR_MOVES: dict[VehicleStatus, frozenset[VehicleStatus]] = {
    "available": frozenset({"maintenance", "inactive"}),
    "in_use": frozenset({"maintenance"}),
    "maintenance": frozenset({"available"}),
    "inactive": frozenset({"available"}),
}


def normalize_vin(raw: str) -> str:
    """The canonical spelling of a VIN: stripped and uppercased (not validated)."""
    return raw.strip().upper()


def normalize_plate(raw: str) -> str:
    """The canonical spelling of a plate: uppercased, inner whitespace collapsed (not validated)."""
    return " ".join(raw.upper().split())


def plate_key(plate: str) -> str:
    """The fleet-wide uniqueness key of a plate: its uppercase alphanumerics only."""
    return _NOT_ALNUM.sub("", plate.upper())


def check_vin(raw: str) -> str:
    """Return the normalised VIN or raise: 17 chars of the ISO 3779 alphabet."""
    vin = normalize_vin(raw)
    if not _VIN.fullmatch(vin):
        raise InvalidCommandError("VIN must be 17 characters of 0-9, A-Z without I, O, Q", "vin")
    return vin


def check_plate(raw: str) -> str:
    """Return the normalised plate or raise: 2..12 of A-Z 0-9 space hyphen, 2+ alphanumerics."""
    plate = normalize_plate(raw)
    if not (_PLATE.fullmatch(plate) and PLATE_LENGTH[0] <= len(plate) <= PLATE_LENGTH[1]):
        raise InvalidCommandError(
            "plate must be 2-12 characters of A-Z, 0-9, space or hyphen", "plate"
        )
    return plate


def check_name(raw: str, field: str) -> str:
    """Return a stripped name (make, model, cost centre) of 1..64 characters or raise."""
    name = raw.strip()
    if not 1 <= len(name) <= MAX_NAME_LENGTH:
        raise InvalidCommandError(f"{field} must be 1-{MAX_NAME_LENGTH} characters", field)
    return name


def check_range(value: int, low: int, high: int, field: str) -> int:
    """Return an integer inside [low, high] or raise."""
    if not low <= value <= high:
        raise InvalidCommandError(f"{field} must be between {low} and {high}", field)
    return value


def check_year(year: int, now: datetime) -> int:
    """Return a model year between 1950 and next year or raise."""
    return check_range(year, MIN_YEAR, as_utc(now).year + 1, "year")


def check_rate(cents: int, field: str) -> int:
    """Return a rate of 1..10**9 cents or raise."""
    return check_range(cents, 1, MAX_RATE_CENTS, field)


def check_currency(currency: str) -> str:
    """Return an ISO 4217-shaped currency code (three uppercase letters) or raise."""
    if not _CURRENCY.fullmatch(currency):
        raise InvalidCommandError("currency must be three uppercase letters", "currency")
    return currency


def check_odometer(km: int) -> int:
    """Return an odometer reading of 0..10**7 km or raise."""
    return check_range(km, 0, MAX_ODOMETER_KM, "odometer_km")


def check_home(home: Location, field: str = "home") -> Location:
    """Return a WGS84 point with lat in [-90, 90] and lon in [-180, 180] or raise."""
    if not (-90 <= home.lat <= 90 and -180 <= home.lon <= 180):
        raise InvalidCommandError(
            f"{field} must have lat in [-90, 90] and lon in [-180, 180]", field
        )
    return home


def check_aware(moment: datetime, field: str) -> datetime:
    """Return a timezone-aware datetime or raise."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidCommandError(f"{field} must carry a timezone", field)
    return moment


def check_booking_window(start: datetime, end: datetime, now: datetime) -> None:
    """Raise unless [start, end) is a bookable future window (hold or booking)."""
    check_aware(start, "start")
    check_aware(end, "end")
    if start <= now:
        raise InvalidCommandError("start must be in the future", "start")
    if end <= start:
        raise InvalidCommandError("end must be after start", "end")
    if end - start < MIN_BOOKING_LENGTH:
        raise InvalidCommandError("a booking lasts at least 15 minutes", "end")
    if end - start > MAX_BOOKING_LENGTH:
        raise InvalidCommandError("a booking lasts at most 30 days", "end")
    if start > now + MAX_BOOKING_AHEAD:
        raise InvalidCommandError("start must be within 365 days", "start")


def check_maintenance_window(start: datetime, end: datetime, now: datetime) -> None:
    """Raise unless [start, end) is a schedulable maintenance window."""
    check_aware(start, "start")
    check_aware(end, "end")
    if end <= start:
        raise InvalidCommandError("end must be after start", "end")
    if start < now - MAINTENANCE_START_GRACE:
        raise InvalidCommandError("start in the past", "start")
    if end - start > MAX_MAINTENANCE_LENGTH:
        raise InvalidCommandError("a maintenance window lasts at most 90 days", "end")


def check_ttl(ttl_seconds: int) -> timedelta:
    """Return the lifetime of a hold (60..3600 s) or raise."""
    check_range(ttl_seconds, MIN_HOLD_TTL_SECONDS, MAX_HOLD_TTL_SECONDS, "ttl_seconds")
    return timedelta(seconds=ttl_seconds)


def check_operator_transition(current: VehicleStatus, target: VehicleStatus) -> VehicleStatus:
    """Return the target status if an operator may move the vehicle there, else raise."""
    if target not in OPERATOR_MOVES[current]:
        raise InvalidTransitionError(
            f"an operator cannot move a vehicle from {current} to {target}"
        )
    return target
