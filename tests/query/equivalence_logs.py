"""Random event logs for the live-equals-rebuild property: a seeded fleet's history with
its locations (branches) and one pricing policy per organization, revised now and then,
all decided and folded by the command domain, and the payments of its paid holds
(tests/query/equivalence_payments.py)."""

from __future__ import annotations

import contextlib
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import UUID

from hypothesis import strategies as st

from command_service.domain import commands as cmd
from command_service.domain.locations import (
    LocationCommand,
    LocationState,
    OpenLocation,
    UpdateLocation,
    decide_location,
    fold_location,
)
from command_service.domain.pricing_policies import (
    PolicyCommand,
    PublishPolicy,
    RevisePolicy,
    decide_policy,
    fold_policy,
)
from shared.contract.events import Location, StreamEvent
from shared.contract.organizations import DEFAULT_ORGANIZATION_ID
from shared.pricing.priced import PolicyVersion
from tests.conftest import FakeClock
from tests.query.analytics_sim import STEP, Sim
from tests.query.conftest import Fleet
from tests.query.equivalence_payments import PaymentLog
from tests.query.pricing_support import terms

Record = tuple[StreamEvent, int]  # an event and its global position
# Every other vehicle belongs to a second organization; homes are two opened branches or
# none, and vehicles move between them (usage then splits by location).
SECOND_ORGANIZATION = UUID("00000000-0000-4000-8000-0000000000b2")
LOCATIONS = (
    UUID("00000000-0000-4000-8000-00000000001a"),
    UUID("00000000-0000-4000-8000-00000000001b"),
)

# ---------------------------------------------------------------------------------------
# The logs: a seeded random fleet's history, decided and folded by the command domain.


@dataclass(frozen=True)
class History:
    seed: int
    vehicles: int
    days: int


@dataclass
class LogFleet(Fleet):
    """A fleet whose decided events are recorded in a log (positions 1, 2, ...), not
    applied: the test decides how they are delivered."""

    locations: dict[UUID, LocationState] = field(default_factory=dict)
    policies: dict[UUID, PolicyVersion] = field(default_factory=dict)
    payments: PaymentLog | None = None

    async def apply(self, *events: StreamEvent) -> None:
        for event in events:
            self.events.append((event, len(self.events) + 1))  # type: ignore[arg-type]
        for event in events:  # the payment process manager reacts to what was appended
            for paid in self.payments.after(event, self.clock.now) if self.payments else ():
                self.events.append((paid, len(self.events) + 1))  # type: ignore[arg-type]

    async def register(self, **overrides: Any) -> UUID:
        n = len(self.states) + 1
        return await super().register(vin=f"WVWZZZ1JZXW{n:06d}", plate=f"L-{n:06d}", **overrides)

    async def run_location(self, location_id: UUID, command: LocationCommand) -> None:
        state = self.locations.get(location_id)
        events = decide_location(state, command, self.clock.now, uuid.uuid4, location_id)
        if events:
            self.locations[location_id] = fold_location(events, state)  # type: ignore[assignment]
            await self.apply(*events)

    async def open_location(self, n: int) -> UUID:
        location_id = uuid.uuid4()
        command = OpenLocation(location_id, DEFAULT_ORGANIZATION_ID, f"Branch {n}",
                               lat=52.5 + n / 10, lon=13.4, timezone="Europe/Berlin")  # fmt: skip
        await self.run_location(location_id, command)
        return location_id

    async def run_policy(self, policy_id: UUID, command: PolicyCommand) -> None:
        state = self.policies.get(policy_id)
        events = decide_policy(state, command, self.clock.now, uuid.uuid4, policy_id)
        self.policies[policy_id] = fold_policy(events, state)  # type: ignore[assignment]
        await self.apply(*events)

    async def price(self, organization_id: UUID) -> UUID:
        """A pricing policy of the organization, published now."""
        policy_id = uuid.uuid4()
        name = f"Policy {len(self.policies)}"
        await self.run_policy(
            policy_id, PublishPolicy(policy_id, organization_id, terms(name=name))
        )
        return policy_id

    async def reprice(self, policy_id: UUID, daily_cents: int) -> None:
        """A new version of the policy with another daily rate (none if it is the same)."""
        last = self.policies[policy_id]
        rates = last.terms.rates.model_copy(update={"daily_cents": daily_cents})
        revised = last.terms.model_copy(update={"rates": rates})
        await self.run_policy(policy_id, RevisePolicy(last.organization_id, revised))


async def relocate(fleet: LogFleet, sim: Sim, rng: random.Random) -> None:
    """Now and then a location changes, or a vehicle moves to another location."""
    branches = sorted(fleet.locations)
    roll = rng.random()
    if roll < 0.05:
        change = rng.choice([{"name": f"Branch {rng.randrange(100)}"},
                             {"timezone": "Europe/Paris", "address": "Quai 1"},
                             {"lat": 48.85, "lon": 2.35}])  # fmt: skip
        update = UpdateLocation(DEFAULT_ORGANIZATION_ID, **change)  # type: ignore[arg-type]
        await fleet.run_location(rng.choice(branches), update)
    elif roll < 0.1:
        moved = cmd.UpdateVehicleDetails(location_id=rng.choice(branches))
        await sim.attempt(rng.choice(sim.vehicles), moved)
    elif roll < 0.13:
        await fleet.reprice(rng.choice(sorted(fleet.policies)), rng.randrange(5_000, 9_000))


class DetailSim(Sim):
    """The analytics simulation, plus detail and rate updates now and then."""

    async def workshop(self) -> None:
        await super().workshop()
        if self.rng.random() < 0.04:
            rng = self.rng
            change = rng.choice(
                [
                    {"plate": f"U-{rng.randrange(10**5):05d}", "seats": rng.choice([2, 5, 7])},
                    {"hourly_rate_cents": rng.randrange(500, 3_000), "daily_rate_cents": 9_000},
                    {
                        "home": Location(lat=48.1, lon=11.6),
                        "model": "ID.3",
                        "location_id": LOCATIONS[1],
                    },
                ]
            )
            await self.attempt(rng.choice(self.vehicles), cmd.UpdateVehicleDetails(**change))


@contextlib.contextmanager
def seeded_uuids(rng: random.Random) -> Iterator[None]:
    """uuid4 drawn from `rng`, so a history is the same on every run (vehicle shards,
    fleet slices and row order all depend on ids)."""
    real = uuid.uuid4
    uuid.uuid4 = lambda: UUID(int=rng.getrandbits(128), version=4)
    try:
        yield
    finally:
        uuid.uuid4 = real


_LOGS: dict[History, list[Record]] = {}


async def log_of(history: History) -> list[Record]:
    """The events the command side writes for the history, in log order."""
    if history not in _LOGS:
        fleet = LogFleet(None, FakeClock())  # type: ignore[arg-type]
        fleet.payments = PaymentLog(random.Random(history.seed ^ 0x5A5A))
        sim = DetailSim(fleet, random.Random(history.seed))
        places = random.Random(~history.seed)  # apart from the fleet's own draws
        with seeded_uuids(random.Random(history.seed)):
            branches = [await fleet.open_location(n) for n in range(2)]
            policies = [await fleet.price(org) for org in (DEFAULT_ORGANIZATION_ID,
                                                           SECOND_ORGANIZATION)]  # fmt: skip
            for i in range(history.vehicles):
                org = (DEFAULT_ORGANIZATION_ID, SECOND_ORGANIZATION)[i % 2]
                vehicle = await fleet.register(
                    odometer_km=sim.rng.randrange(30_000),
                    organization_id=org,
                    location_id=places.choice([None, *branches]),
                )
                sim.vehicles.append(vehicle)
            steps = int(timedelta(days=history.days) / STEP)
            for step in range(steps):
                if step == steps // 2:  # half-way, the first vehicle moves to a branch
                    move = cmd.UpdateVehicleDetails(location_id=branches[0])
                    await sim.attempt(sim.vehicles[0], move)
                    await fleet.reprice(policies[0], 6_500)
                await sim.step()
                await relocate(fleet, sim, places)
                fleet.clock.advance(minutes=30)
            for v in reversed(sim.vehicles):  # the first without future bookings leaves
                if await sim.attempt(v, cmd.RetireVehicle("sold")):
                    break
        _LOGS[history] = list(fleet.events)
    return _LOGS[history]


# A history with every event type (test_the_fixed_history_has_every_event_type).
EVERY_TYPE = History(seed=11, vehicles=5, days=1)
histories = st.builds(
    History, seed=st.integers(0, 2**32 - 1), vehicles=st.integers(1, 6), days=st.integers(1, 2)
)
