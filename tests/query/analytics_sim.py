"""A seeded random fleet driven through the command domain: holds that confirm, lapse or
are released, bookings, cancellations, trips, maintenance and status changes."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from command_service.domain import commands as cmd
from command_service.domain.errors import DomainError
from shared.contract.events import Event
from tests.query.conftest import Fleet

STEP = timedelta(minutes=30)


@dataclass
class Sim:
    fleet: Fleet
    rng: random.Random
    vehicles: list[UUID] = field(default_factory=list)
    holds: dict[UUID, tuple[UUID, datetime]] = field(default_factory=dict)
    bookings: dict[UUID, tuple[UUID, datetime, datetime]] = field(default_factory=dict)
    trips: dict[UUID, tuple[UUID, datetime]] = field(default_factory=dict)
    windows: dict[UUID, tuple[UUID, datetime]] = field(default_factory=dict)

    async def attempt(self, vehicle_id: UUID, command: object) -> list[Event]:
        try:
            return await self.fleet.run(vehicle_id, command)  # type: ignore[arg-type]
        except DomainError:
            return []

    def window(self, lo_h: float, hi_h: float, max_len_h: int) -> tuple[datetime, datetime]:
        quarters = self.rng.randrange(int(lo_h * 4), int(hi_h * 4))
        start = self.fleet.clock.now + timedelta(minutes=15 * quarters)
        return start, start + timedelta(minutes=15 * self.rng.randrange(2, max_len_h * 4))

    async def step(self) -> None:
        await self.resolve_holds()  # those placed a step ago: lapsed (5 min) or not (1 h)
        for v in self.vehicles:
            await self.customer(v)
        await self.operate()

    async def customer(self, v: UUID) -> None:
        roll, now = self.rng.random(), self.fleet.clock.now
        if roll < 0.08:
            hold_id = uuid.uuid4()
            start, end = self.window(1, 30, 8)
            ttl = self.rng.choice([300, 3_600])
            if await self.attempt(v, cmd.PlaceHold(hold_id, uuid.uuid4(), start, end, ttl)):
                self.holds[hold_id] = (v, now + timedelta(seconds=ttl))
        elif roll < 0.16:
            booking_id = uuid.uuid4()
            start, end = self.window(0.25, 40, 30)
            if await self.attempt(v, cmd.BookVehicle(booking_id, uuid.uuid4(), start, end)):
                self.bookings[booking_id] = (v, start, end)

    async def resolve_holds(self) -> None:
        now = self.fleet.clock.now
        for hold_id, (v, expires) in list(self.holds.items()):
            if now >= expires:
                await self.attempt(v, cmd.ExpireHold(hold_id))
            elif self.rng.random() < 0.5:
                booking_id = uuid.uuid4()
                for e in await self.attempt(v, cmd.ConfirmHold(hold_id, booking_id)):
                    if hasattr(e, "start") and hasattr(e, "booking_id"):
                        self.bookings[booking_id] = (v, e.start, e.end)
            else:
                await self.attempt(v, cmd.ReleaseHold(hold_id))
            del self.holds[hold_id]

    async def operate(self) -> None:
        now = self.fleet.clock.now
        for booking_id, (v, start, end) in list(self.bookings.items()):
            if start - timedelta(minutes=15) <= now < end and self.rng.random() < 0.7:
                trip_id = uuid.uuid4()
                odo = self.fleet.states[v].odometer_km
                if await self.attempt(v, cmd.StartTrip(trip_id, booking_id, odo)):
                    self.trips[trip_id] = (v, end)
                    del self.bookings[booking_id]
            elif (
                now < start - timedelta(hours=1)
                and self.rng.random() < 0.02
                and await self.attempt(v, cmd.CancelBooking(booking_id, "changed plans"))
            ):
                del self.bookings[booking_id]
        for trip_id, (v, end) in list(self.trips.items()):
            if now >= end or self.rng.random() < 0.2:
                km = self.fleet.states[v].odometer_km + self.rng.randrange(3, 4_000)
                await self.attempt(v, cmd.EndTrip(trip_id, km))
                del self.trips[trip_id]
        await self.workshop()

    async def workshop(self) -> None:
        now = self.fleet.clock.now
        for window_id, (v, start) in list(self.windows.items()):
            if now >= start:
                odo = self.fleet.states[v].odometer_km
                await self.attempt(v, cmd.CompleteMaintenance(window_id, odo))
                del self.windows[window_id]
        v = self.rng.choice(self.vehicles)
        roll = self.rng.random()
        if roll < 0.05:
            window_id, (start, end) = uuid.uuid4(), self.window(2, 10, 4)
            if await self.attempt(v, cmd.ScheduleMaintenance(window_id, start, end, "service")):
                self.windows[window_id] = (v, start)
        elif roll < 0.10:
            status = self.rng.choice(["inactive", "maintenance", "available"])
            await self.attempt(v, cmd.ChangeVehicleStatus(status, "operator"))  # type: ignore[arg-type]


async def simulate(fleet: Fleet, seed: int, vehicles: int, days: int) -> Sim:
    sim = Sim(fleet, random.Random(seed))
    for _ in range(vehicles):
        sim.vehicles.append(await fleet.register(odometer_km=sim.rng.randrange(0, 30_000)))
    for _ in range(int(timedelta(days=days) / STEP)):
        await sim.step()
        fleet.clock.advance(minutes=30)
    for v in reversed(sim.vehicles):  # the first without future bookings leaves the fleet
        if await sim.attempt(v, cmd.RetireVehicle("sold")):
            break
    return sim
