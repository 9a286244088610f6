"""What the simulator knows of the fleet: its own view, built from the API's answers."""

from __future__ import annotations

import heapq
import itertools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from deploy.simulator.behaviour import Fate
from deploy.simulator.fleet import VehicleSpec
from shared.pricing.terms import PricingTerms

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
MANAGER = "manager"
Result = Callable[[int, dict[str, Any]], None]
FollowUp = Callable[[datetime], list["Action"]]


@dataclass
class Action:
    """One command to send: who sends it, on which vehicle, and what to do with the answer."""

    seq: int
    kind: str
    vehicle: int
    actor: str  # MANAGER or a customer's name ("c17")
    method: str
    path: str
    body: dict[str, Any] | None
    on_result: Result


@dataclass
class SimVehicle:
    index: int
    spec: VehicleSpec
    odometer_km: int
    vehicle_id: str | None = None
    status: str = "available"
    trip_running: bool = False
    km_since_service: int = 0
    blocks: dict[str, tuple[datetime, datetime]] = field(default_factory=dict)

    def free(self, start: datetime, end: datetime) -> bool:
        """No block the simulator knows of overlaps [start, end)."""
        return all(end <= s or e <= start for s, e in self.blocks.values())


@dataclass
class Customer:
    index: int
    name: str
    city: str
    customer_id: str  # the body's customer_id without auth; the user id with it


@dataclass
class Booking:
    label: str
    vehicle: int
    customer: int
    start: datetime
    end: datetime
    fate: Fate
    booking_id: str = ""
    trip_id: str = ""
    trip_attempts: int = 0


@dataclass(frozen=True)
class QuoteSeen:
    """One quote as the customer saw it, and what they did."""

    seq: int
    quote_id: str
    vehicle: int
    price_cents: int
    list_cents: int
    demand_multiplier: float
    utilization: float
    policy_id: str | None
    accepted: bool

    @property
    def ratio(self) -> float:
        return self.price_cents / self.list_cents if self.list_cents else 1.0


@dataclass
class World:
    """Vehicles, customers, follow-ups due later, and labels for the command log."""

    start: datetime
    vehicles: list[SimVehicle] = field(default_factory=list)
    customers: list[Customer] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    labels: dict[str, str] = field(default_factory=dict)
    log: list[tuple[Any, ...]] = field(default_factory=list)
    prices: dict[tuple[str, str], PricingTerms] = field(default_factory=dict)
    quotes: dict[int, QuoteSeen] = field(default_factory=dict)  # by the quote's seq
    decided: list[tuple[int, FollowUp]] = field(default_factory=list)
    _due: list[tuple[datetime, int, int, FollowUp]] = field(default_factory=list)
    _seq: int = 0
    _sub: Any = field(default_factory=itertools.count)

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq - 1

    def seq_peek(self) -> int:
        """The seq the next planned action will get."""
        return self._seq

    def later(self, when: datetime, origin: int, make: FollowUp) -> None:
        """Plan `make` for the first step at or after `when` (ordered by the planning seq)."""
        heapq.heappush(self._due, (when, origin, next(self._sub), make))

    def due(self, now: datetime) -> list[FollowUp]:
        """The follow-ups due by `now`, in a deterministic order."""
        found = []
        while self._due and self._due[0][0] <= now:
            found.append(heapq.heappop(self._due)[3])
        return found

    def go_ahead(self, seq: int, make: FollowUp) -> None:
        """A customer accepted the quote planned at `seq`: `make` books, in this step."""
        self.decided.append((seq, make))

    def take_decided(self) -> list[FollowUp]:
        """The bookings and holds of accepted quotes, in plan order."""
        found = [make for _, make in sorted(self.decided, key=lambda d: d[0])]
        self.decided.clear()
        return found

    def name(self, server_id: str, label: str) -> None:
        """Remember which local label a server-chosen id stands for."""
        self.labels[server_id] = label

    def record(self, action: Action) -> None:
        """Append the action to the command log with server ids replaced by labels."""
        text = _UUID.sub(lambda m: self.labels.get(m.group(0), "?"), _canon(action.body))
        path = _UUID.sub(lambda m: self.labels.get(m.group(0), "?"), action.path)
        self.log.append((action.kind, action.vehicle, action.actor, action.method, path, text))


def _canon(body: dict[str, Any] | None) -> str:
    if body is None:
        return ""
    return repr(sorted((k, str(v)) for k, v in body.items()))
