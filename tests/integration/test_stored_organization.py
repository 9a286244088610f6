"""An event appended for an organization reads back as that organization's, on every
path that parses stored events (the store's fold, the audit trail and feed items as the
query service parses them): it is stored as the current schema, never upcast to
`default` as if it were older."""

from __future__ import annotations

import uuid

from command_service.domain import commands as cmd
from command_service.domain import decide, fold
from command_service.store import feed
from command_service.store.event_store import EventStore
from command_service.store.pool import create_pool
from query_service.feed_client import event_of
from shared.contract.serialization import dumps, loads
from shared.contract.upcasting import CURRENT_SCHEMA
from tests.streams import META

OTHER_ORGANIZATION = uuid.UUID("0a000000-0000-4000-8000-00000000000b")


async def test_a_vehicle_event_keeps_its_organization_when_read_back(command_dsn, clock):
    pool = await create_pool(command_dsn, 1, 2)
    try:
        store, vehicle_id = EventStore(pool), uuid.uuid4()
        command = cmd.RegisterVehicle(
            vehicle_id=vehicle_id, vin="1HGCM82633A900001", plate="ORG-1", make="Honda",
            model="Accord", year=2023, seats=5, hourly_rate_cents=1000, daily_rate_cents=5000,
            currency="EUR", odometer_km=0, organization_id=OTHER_ORGANIZATION,
        )  # fmt: skip
        events = decide(None, command, clock.now, uuid.uuid4)
        state = fold(events)
        assert state is not None
        await store.append(vehicle_id, None, events, state, META)

        [stored] = await store.read_events(vehicle_id)
        [item] = await feed.stream_history(pool, vehicle_id, 0, 10, OTHER_ORGANIZATION) or []
    finally:
        await pool.close()

    assert stored == events[0] and stored.organization_id == OTHER_ORGANIZATION
    assert item["schema_version"] == CURRENT_SCHEMA
    parsed, _ = event_of(loads(dumps(item)))
    assert parsed == events[0]
