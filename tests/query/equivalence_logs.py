"""Random event logs for the live-equals-rebuild property: a seeded fleet's history,
decided and folded by the command domain."""

from __future__ import annotations

import contextlib
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from hypothesis import strategies as st

from command_service.domain import commands as cmd
from shared.contract.events import Event, Location
from shared.contract.organizations import DEFAULT_ORGANIZATION_ID
from tests.conftest import FakeClock
from tests.query.analytics_sim import STEP, Sim
from tests.query.conftest import Fleet

Record = tuple[Event, int]  # an event and its global position
# Every other vehicle belongs to a second organization; homes rotate over two locations
# and none, and a detail update may move a vehicle (usage then splits by location).
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


class LogFleet(Fleet):
    """A fleet whose decided events are recorded in a log (positions 1, 2, ...), not
    applied: the test decides how they are delivered."""

    async def apply(self, *events: Event) -> None:
        for event in events:
            self.events.append((event, len(self.events) + 1))

    async def register(self, **overrides: Any) -> UUID:
        n = len(self.states) + 1
        return await super().register(vin=f"WVWZZZ1JZXW{n:06d}", plate=f"L-{n:06d}", **overrides)


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
        sim = DetailSim(fleet, random.Random(history.seed))
        with seeded_uuids(random.Random(history.seed)):
            for i in range(history.vehicles):
                org = (DEFAULT_ORGANIZATION_ID, SECOND_ORGANIZATION)[i % 2]
                where = (None, *LOCATIONS)[i % 3]
                odometer = sim.rng.randrange(30_000)
                vehicle = await fleet.register(
                    odometer_km=odometer, organization_id=org, location_id=where
                )
                sim.vehicles.append(vehicle)
            steps = int(timedelta(days=history.days) / STEP)
            for step in range(steps):
                if step == steps // 2:  # half-way, the first vehicle moves to a branch
                    move = cmd.UpdateVehicleDetails(location_id=LOCATIONS[0])
                    await sim.attempt(sim.vehicles[0], move)
                await sim.step()
                fleet.clock.advance(minutes=30)
            for v in reversed(sim.vehicles):  # the first without future bookings leaves
                if await sim.attempt(v, cmd.RetireVehicle("sold")):
                    break
        _LOGS[history] = list(fleet.events)
    return _LOGS[history]


# A history with every event type (test_the_fixed_history_has_every_event_type).
EVERY_TYPE = History(seed=5, vehicles=4, days=1)
histories = st.builds(
    History, seed=st.integers(0, 2**32 - 1), vehicles=st.integers(1, 6), days=st.integers(1, 2)
)
