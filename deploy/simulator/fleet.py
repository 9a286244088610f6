"""A realistic fleet: makes with their WMIs, fitting models and rates, plates and homes."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

from deploy.simulator.vin import make_vin

# category → (hourly rate range, daily rate as a multiple of the hourly rate), in cents
RATES = {
    "compact": ((900, 1300), (4.5, 5.5)),
    "midsize": ((1200, 1700), (5.0, 6.0)),
    "premium": ((1800, 2800), (5.0, 6.0)),
    "electric": ((1300, 2000), (5.0, 6.0)),
    "van": ((1500, 2200), (5.0, 6.5)),
}
# make → (WMI, weight, models as (model, seats, category))
CATALOG: dict[str, tuple[str, int, tuple[tuple[str, int, str], ...]]] = {
    "Volkswagen": ("WVW", 18, (("Golf", 5, "compact"), ("Polo", 5, "compact"),
                               ("ID.3", 5, "electric"), ("Passat", 5, "midsize"),
                               ("Touran", 7, "van"))),
    "BMW": ("WBA", 8, (("118i", 5, "compact"), ("320d", 5, "premium"), ("i4", 5, "electric"))),
    "Mercedes-Benz": ("WDD", 8, (("A 180", 5, "compact"), ("C 200", 5, "premium"),
                                 ("Vito Tourer", 8, "van"))),
    "Audi": ("WAU", 6, (("A3", 5, "midsize"), ("A4 Avant", 5, "premium"),
                        ("Q4 e-tron", 5, "electric"))),
    "Opel": ("W0L", 10, (("Corsa", 5, "compact"), ("Astra", 5, "compact"),
                         ("Zafira Life", 8, "van"))),
    "Ford": ("WF0", 8, (("Fiesta", 5, "compact"), ("Focus", 5, "midsize"),
                        ("Transit Custom", 9, "van"))),
    "Skoda": ("TMB", 10, (("Fabia", 5, "compact"), ("Octavia", 5, "midsize"),
                          ("Enyaq", 5, "electric"))),
    "Renault": ("VF1", 7, (("Clio", 5, "compact"), ("Zoe", 5, "electric"), ("Trafic", 9, "van"))),
    "Toyota": ("JTD", 8, (("Yaris", 5, "compact"), ("Corolla", 5, "midsize"))),
    "Tesla": ("5YJ", 5, (("Model 3", 5, "electric"), ("Model Y", 5, "electric"))),
    "Fiat": ("ZFA", 4, (("500", 4, "compact"), ("Panda", 4, "compact"))),
    "Volvo": ("YV1", 4, (("XC40", 5, "midsize"), ("V60", 5, "premium"))),
}  # fmt: skip
# city → (plate code, latitude, longitude, weight)
CITIES = {
    "Berlin": ("B", 52.5200, 13.4050, 30),
    "Hamburg": ("HH", 53.5511, 9.9937, 20),
    "München": ("M", 48.1374, 11.5755, 20),
    "Köln": ("K", 50.9375, 6.9603, 12),
    "Frankfurt": ("F", 50.1109, 8.6821, 10),
    "Leipzig": ("L", 51.3397, 12.3731, 8),
}
PLATE_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
_PLATE_KEY = re.compile(r"[^A-Z0-9]")


@dataclass(frozen=True)
class VehicleSpec:
    """What the simulator registers: one vehicle's registration body, and its city."""

    vin: str
    plate: str
    make: str
    model: str
    year: int
    seats: int
    category: str
    hourly_rate_cents: int
    daily_rate_cents: int
    odometer_km: int
    city: str
    lat: float
    lon: float

    def body(self) -> dict[str, Any]:
        """The POST /v1/vehicles body."""
        return {
            "vin": self.vin,
            "plate": self.plate,
            "make": self.make,
            "model": self.model,
            "year": self.year,
            "seats": self.seats,
            "hourly_rate_cents": self.hourly_rate_cents,
            "daily_rate_cents": self.daily_rate_cents,
            "currency": "EUR",
            "odometer_km": self.odometer_km,
            "home": {"lat": self.lat, "lon": self.lon},
        }


def plate_key(plate: str) -> str:
    """Letters and digits only: how the command service compares plates."""
    return _PLATE_KEY.sub("", plate.upper())


def make_plate(rng: random.Random, city: str, taken: set[str]) -> str:
    """A German-style plate ("B-FL 1234") whose key no other vehicle of the fleet has."""
    code = CITIES[city][0]
    while True:
        letters = "".join(rng.choice(PLATE_LETTERS) for _ in range(rng.choice((1, 2, 2))))
        plate = f"{code}-{letters} {rng.randint(1, 9999)}"
        if plate_key(plate) not in taken:
            taken.add(plate_key(plate))
            return plate


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def make_vehicle(
    rng: random.Random, ids: random.Random, serial: int, this_year: int, taken: set[str]
) -> VehicleSpec:
    """One vehicle: make and model that fit, rates by category, a home near its city.

    `ids` draws the VIN and plate, so another run can register the same fleet anew.
    """
    make = _weighted(rng, {name: entry[1] for name, entry in CATALOG.items()})
    wmi, _, models = CATALOG[make]
    model, seats, category = rng.choice(models)
    year = rng.randint(this_year - 6, this_year)
    (low, high), (day_low, day_high) = RATES[category]
    hourly = rng.randrange(low, high + 1, 10)
    city = _weighted(rng, {name: entry[3] for name, entry in CITIES.items()})
    _, lat, lon, _ = CITIES[city]
    return VehicleSpec(
        vin=make_vin(ids, wmi, year, serial),
        plate=make_plate(ids, city, taken),
        make=make,
        model=model,
        year=year,
        seats=seats,
        category=category,
        hourly_rate_cents=hourly,
        daily_rate_cents=int(hourly * rng.uniform(day_low, day_high)) // 100 * 100,
        odometer_km=(this_year - year) * rng.randint(9_000, 24_000) + rng.randint(50, 6_000),
        city=city,
        lat=round(lat + rng.gauss(0, 0.04), 5),
        lon=round(lon + rng.gauss(0, 0.06), 5),
    )


def make_fleet(
    rng: random.Random, ids: random.Random, count: int, this_year: int
) -> list[VehicleSpec]:
    """`count` vehicles with distinct VINs (serials) and plates."""
    taken: set[str] = set()
    first_serial = ids.randrange(100_000, 900_000)
    return [make_vehicle(rng, ids, first_serial + n, this_year, taken) for n in range(count)]
