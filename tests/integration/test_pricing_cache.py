"""A command service prices from its copy of the organization's catalogue (policies and
how many vehicles each wins) while the catalogue's generation, read with the vehicle's
state, stays the same; a published revision or a new vehicle makes the next booking read
it again, so no booking is priced by a policy version that was already replaced."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from command_service.application.handler import CommandContext, CommandHandler
from command_service.domain import commands as cmd
from command_service.domain.pricing_policies import RevisePolicy
from command_service.store.event_store import EventStore
from command_service.store.pool import create_pool
from command_service.store.pricing_catalogue import CATALOGUE, KIND
from command_service.store.streams import StreamStore
from shared.contract.events import BookingConfirmed
from tests.integration.test_pricing_catalogue import decided, published, terms
from tests.streams import META, register_vehicle

CTX = CommandContext(correlation_id="corr", causation_id="req", actor="test")


def booking(clock: Any, hours: int) -> cmd.BookVehicle:
    start = clock.now + timedelta(hours=hours)
    return cmd.BookVehicle(booking_id=uuid.uuid4(), customer_id=uuid.uuid4(), start=start,
                           end=start + timedelta(hours=1))  # fmt: skip


def reads_catalogue(sent: list[str]) -> bool:
    """Whether the policies or the fleet's matching facts were read (not the generation,
    which the load statement reads with the state)."""
    return any(q.startswith("SELECT policy_id") or "AND countable" in q for q in sent)


async def test_the_catalogue_is_read_again_only_when_its_generation_moves(command_dsn, clock):
    pool = await create_pool(command_dsn, 1, 1)  # one connection: every statement lands on it
    try:
        store, streams = EventStore(pool), StreamStore(pool)
        policy = await published(streams, clock, "Everything")
        vehicle_id, _ = await register_vehicle(store, clock)
        handler = CommandHandler(store, clock, uuid.uuid4)
        sent: list[str] = []
        async with pool.acquire() as conn:
            conn.add_query_logger(lambda record: sent.append(record.query))

        first = await handler.on_vehicle(vehicle_id, booking(clock, 2), CTX)
        assert reads_catalogue(sent)
        sent.clear()
        second = await handler.on_vehicle(vehicle_id, booking(clock, 4), CTX)
        assert not reads_catalogue(sent), sent
        for decision in (first, second):
            booked = decision.events[-1]
            assert isinstance(booked, BookingConfirmed) and booked.pricing is not None
            assert (booked.pricing.policy_id, booked.pricing.policy_version) == (
                policy.policy_id,
                1,
            )
            assert booked.pricing.demand is not None and booked.pricing.demand.capacity_hours == 1

        revise = RevisePolicy(policy.organization_id, terms("Everything, v2"))
        events = decided(clock, policy.policy_id, revise, policy)
        await streams.append(KIND, policy.policy_id, events, META, head=CATALOGUE)
        await register_vehicle(store, clock)  # a second vehicle the policy wins
        sent.clear()
        third = (await handler.on_vehicle(vehicle_id, booking(clock, 6), CTX)).events[-1]
        assert reads_catalogue(sent)
        assert isinstance(third, BookingConfirmed) and third.pricing is not None
        assert third.pricing.policy_version == 2
        assert third.pricing.demand is not None and third.pricing.demand.capacity_hours == 2
    finally:
        await pool.close()
