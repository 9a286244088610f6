"""The pricing catalogue in PostgreSQL: each policy's current version, written in the
transaction of the append that made it current, never apart from its events."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from command_service.domain.pricing_policies import (
    PolicyCommand,
    PublishPolicy,
    RevisePolicy,
    decide_policy,
)
from command_service.store.event_store import StreamConflictError
from command_service.store.idempotency import IdempotencyKeyRaceError, ResponseStore, StoredResponse
from command_service.store.pool import create_pool
from command_service.store.pricing_catalogue import (
    CATALOGUE,
    KIND,
    current_policies,
    policy_version,
)
from command_service.store.streams import HeadTable, StreamStore
from shared.contract.events import StreamEvent
from shared.contract.organizations import DEFAULT_ORGANIZATION_ID as ORG
from shared.pricing.priced import PolicyVersion
from shared.pricing.terms import PricingTerms
from tests.streams import META


def terms(name: str, priority: int = 0) -> PricingTerms:
    return PricingTerms.model_validate(
        {
            "name": name,
            "currency": "EUR",
            "priority": priority,
            "rates": {"hourly_cents": 1000, "daily_cents": 5000},
        }
    )


@pytest.fixture
async def pool(command_dsn: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(command_dsn, 1, 4)
    yield pool
    await pool.close()


def decided(
    clock: Any, policy_id: uuid.UUID, command: PolicyCommand, state: PolicyVersion | None = None
) -> list[StreamEvent]:
    return list(decide_policy(state, command, clock.now, uuid.uuid4, policy_id))


async def published(store: StreamStore, clock: Any, name: str, priority: int = 0) -> PolicyVersion:
    """A policy of the default organization, published through the catalogue's head table."""
    policy_id = uuid.uuid4()
    command = PublishPolicy(policy_id, ORG, terms(name, priority))
    await store.append(KIND, policy_id, decided(clock, policy_id, command), META, head=CATALOGUE)
    return PolicyVersion(policy_id, 1, ORG, terms(name, priority))


async def row_of(pool: asyncpg.Pool, policy_id: uuid.UUID) -> Any:
    return await pool.fetchrow(
        "SELECT version, priority, terms->>'name' AS name FROM pricing_policies"
        " WHERE policy_id = $1",
        policy_id,
    )


async def test_the_catalogue_holds_the_current_version_highest_priority_first(
    pool: asyncpg.Pool, clock: Any
) -> None:
    store = StreamStore(pool)
    low, high = await published(store, clock, "Low", 1), await published(store, clock, "High", 7)
    revision = decided(clock, low.policy_id, RevisePolicy(ORG, terms("Low, revised", 9)), low)
    await store.append(KIND, low.policy_id, revision, META, head=CATALOGUE)

    ours = [
        p
        for p in await current_policies(pool, ORG)
        if p.policy_id in (low.policy_id, high.policy_id)
    ]
    assert [(p.terms.name, p.version) for p in ours] == [("Low, revised", 2), ("High", 1)]
    assert await policy_version(pool, low.policy_id, 1, ORG) == low
    assert await policy_version(pool, low.policy_id, 1, uuid.uuid4()) is None


async def test_an_append_that_lost_its_version_race_leaves_the_winners_row(
    pool: asyncpg.Pool, clock: Any
) -> None:
    store = StreamStore(pool)
    policy = await published(store, clock, "First")
    winner = decided(clock, policy.policy_id, RevisePolicy(ORG, terms("Winner", 3)), policy)
    loser = decided(clock, policy.policy_id, RevisePolicy(ORG, terms("Loser", 5)), policy)
    await store.append(KIND, policy.policy_id, winner, META, head=CATALOGUE)
    with pytest.raises(StreamConflictError):
        await store.append(KIND, policy.policy_id, loser, META, head=CATALOGUE)
    assert dict(await row_of(pool, policy.policy_id)) == {
        "version": 2,
        "priority": 3,
        "name": "Winner",
    }


async def test_an_append_refused_for_its_idempotency_key_writes_no_catalogue_row(
    pool: asyncpg.Pool, clock: Any
) -> None:
    key = StoredResponse(f"k-{uuid.uuid4()}", b"fp", 201, {"earlier": True})
    await ResponseStore(pool).keep_first(key)
    policy_id = uuid.uuid4()
    events = decided(clock, policy_id, PublishPolicy(policy_id, ORG, terms("Raced")))
    with pytest.raises(IdempotencyKeyRaceError):
        await StreamStore(pool).append(KIND, policy_id, events, META, key, head=CATALOGUE)
    assert await row_of(pool, policy_id) is None
    assert await pool.fetchval("SELECT count(*) FROM events WHERE stream_id = $1", policy_id) == 0


async def test_a_catalogue_write_that_fails_takes_the_events_back_with_it(
    pool: asyncpg.Pool, clock: Any
) -> None:
    policy_id = uuid.uuid4()
    events = decided(clock, policy_id, PublishPolicy(policy_id, ORG, terms("Broken")))
    no_priority = HeadTable(CATALOGUE.upsert, lambda e: (*CATALOGUE.row(e)[:3], None, "{}"))
    with pytest.raises(asyncpg.NotNullViolationError):
        await StreamStore(pool).append(KIND, policy_id, events, META, head=no_priority)
    assert await pool.fetchval("SELECT count(*) FROM events WHERE stream_id = $1", policy_id) == 0
    assert await StreamStore(pool).organization_of(KIND, policy_id) is None
