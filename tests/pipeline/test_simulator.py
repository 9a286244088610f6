"""The fleet simulator against a real demo-mode command service (two workers, signed in).

Checks the log it leaves: every kind of event a fleet produces, and no two blocks of a
vehicle's calendar that were ever in force at the same time overlapping.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from deploy.demo import DEMO_ENV
from deploy.simulator.config import SimConfig
from deploy.simulator.runner import simulate
from deploy.simulator.world import QuoteSeen
from tests.pipeline.stack import Stack

COMMAND_DEMO_ENV = {
    **DEMO_ENV,  # what `make demo` sets: demo mode, loopback-sized sign-up limits
    "FLEET_SWEEPER_INTERVAL_MS": "200",
    "FLEET_ARGON2_TIME_COST": "1",  # fast sign-ups; hashing strength is not under test
    "FLEET_ARGON2_MEMORY_KIB": "8192",
}
EXPECTED = {
    "VehicleRegistered",
    "VehicleStatusChanged",
    "HoldPlaced",
    "HoldConfirmed",
    "HoldReleased",
    "HoldExpired",
    "BookingConfirmed",
    "BookingCancelled",
    "BookingCompleted",
    "TripStarted",
    "TripEnded",
    "MaintenanceScheduled",
    "MaintenanceCompleted",
}


@dataclass
class Block:
    kind: str
    id: str
    start: datetime
    end: datetime
    placed: datetime  # when it began to block
    freed: datetime | None = None  # when it stopped blocking (cancel, release, expiry)


@pytest.fixture
async def demo_stack(cluster: Any, tmp_path: Path) -> Any:
    stack = Stack(
        command_dsn=await cluster.create_database("sim_cmd"),
        query_dsn="",
        bootstrap="",
        topic="unused",
        log_dir=tmp_path,
        relay=False,
        command_extra_env=COMMAND_DEMO_ENV,
        command_workers=2,
    )
    stack.start_command()
    yield stack
    stack.stop()


async def _events(dsn: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetch(
            "SELECT stream_id, event_type, data, occurred_at FROM events"
            " ORDER BY stream_id, version"
        )
    finally:
        await conn.close()


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value)


def calendars(events: list[asyncpg.Record]) -> dict[Any, list[Block]]:
    """Every block each vehicle ever had, with the interval it was in force."""
    found: dict[Any, dict[str, Block]] = defaultdict(dict)
    for e in events:
        data, at, blocks = _data(e), e["occurred_at"], found[e["stream_id"]]
        kind = e["event_type"]
        if kind in ("BookingConfirmed", "HoldPlaced", "MaintenanceScheduled"):
            key = data.get("booking_id") or data.get("hold_id") or data["maintenance_id"]
            blocks[str(key)] = Block(kind, str(key), _when(data["start"]), _when(data["end"]), at)
            if kind == "HoldPlaced":
                blocks[str(key)].freed = _when(data["expires_at"])
        elif kind in ("HoldConfirmed", "HoldReleased", "HoldExpired", "BookingCancelled"):
            block = blocks[str(data.get("hold_id") or data.get("booking_id"))]
            block.freed = min(block.freed or at, at)
        elif kind in ("BookingCompleted", "MaintenanceCompleted"):
            block = blocks[str(data.get("booking_id") or data.get("maintenance_id"))]
            block.end = max(block.start, min(block.end, at))  # the rest of the window is free
    return {vehicle: list(blocks.values()) for vehicle, blocks in found.items()}


def _data(event: asyncpg.Record) -> dict[str, Any]:
    data = event["data"]
    return json.loads(data) if isinstance(data, str) else dict(data)


def overlapping(blocks: list[Block]) -> list[tuple[str, str]]:
    """Pairs whose windows overlap while both were in force at once."""
    found = []
    for i, a in enumerate(blocks):
        for b in blocks[i + 1 :]:
            windows_meet = a.start < b.end and b.start < a.end
            in_force_together = a.placed < (b.freed or b.end) and b.placed < (a.freed or a.end)
            if windows_meet and in_force_together:
                found.append((a.id, b.id))
    return found


async def test_a_simulated_fleet_leaves_a_consistent_event_log(demo_stack: Stack) -> None:
    admin = demo_stack.accounts.admin
    config = SimConfig(
        seed=11,
        # Pinned, not "next midnight": the plan (weekday peaks, who finds a free car)
        # depends on the start, and this test must not change with the calendar.
        start=datetime(2030, 1, 7, tzinfo=UTC),
        vehicles=20,
        customers=30,
        days=3,
        max_seconds=120,  # about 12 s alone; room for a busy machine
        url=demo_stack.command_url,
        concurrency=8,
        bookings_per_customer_day=2.0,
        maintenance_per_vehicle_day=0.6,
        outages_per_vehicle_day=1.0,
        admin_email=admin.email,
        admin_password=admin.password,
        progress=False,
    )
    started = time.monotonic()
    report = await simulate(config)
    assert not report.stopped_early and time.monotonic() - started < config.max_seconds + 5
    assert not [s for s in report.stats.statuses if s >= 500 or s in (401, 403, 422)]
    assert report.stats.by_kind["register_vehicle", 201] == 20
    await asyncio.sleep(1)  # the sweeper's last expiries
    events = await _events(demo_stack.command_dsn)
    assert {e["event_type"] for e in events} >= EXPECTED, sorted({e["event_type"] for e in events})
    assert report.events <= len(events)
    for vehicle, blocks in calendars(events).items():
        assert overlapping(blocks) == [], vehicle


def test_the_overlap_check_knows_when_blocks_were_in_force() -> None:
    def at(hour: int) -> datetime:
        return datetime.fromisoformat(f"2030-01-07T{hour:02d}:00:00+00:00")

    cancelled = Block("BookingConfirmed", "c", at(11), at(13), placed=at(1), freed=at(3))
    booking = Block("BookingConfirmed", "b", at(10), at(12), placed=at(4))
    double = Block("HoldPlaced", "h", at(11), at(13), placed=at(5), freed=at(6))
    assert overlapping([cancelled, booking]) == []
    assert overlapping([cancelled, booking, double]) == [("b", "h")]


PRICED = ("HoldPlaced", "BookingConfirmed")


def _accepted_share(quotes: list[QuoteSeen]) -> float:
    return sum(q.accepted for q in quotes) / len(quotes)


async def test_the_fleet_prices_by_policy_and_a_surge_turns_fewer_quotes_into_bookings(
    demo_stack: Stack,
) -> None:
    admin = demo_stack.accounts.admin
    config = SimConfig(
        seed=5,
        start=datetime(2030, 4, 8, tzinfo=UTC),  # a Monday in April: no season applies
        vehicles=48,  # few cars for many busy customers: models fill up and surge
        customers=120,
        days=2,
        max_seconds=180,  # about a minute alone; room for a busy machine
        url=demo_stack.command_url,
        concurrency=8,
        bookings_per_customer_day=4.0,
        maintenance_per_vehicle_day=0.0,
        outages_per_vehicle_day=0.0,
        admin_email=admin.email,
        admin_password=admin.password,
        progress=False,
    )
    report = await simulate(config)
    assert not report.stopped_early
    assert not [s for s in report.stats.statuses if s >= 500 or s in (401, 403, 404, 422)]
    events = await _events(demo_stack.command_dsn)
    policies = {e["stream_id"] for e in events if e["event_type"] == "PricingPolicyPublished"}
    assert len(policies) == report.outcomes["policies_published"] > 3

    # Every hold and booking took the price of the quote it named, from a published policy.
    quotes = {q.quote_id: q for q in report.quotes}
    priced = [_data(e)["pricing"] for e in events if e["event_type"] in PRICED]
    assert len(priced) > 40
    for pricing in priced:
        quote = quotes[pricing["quote_id"]]
        assert quote.accepted and pricing["price_cents"] == quote.price_cents
        assert uuid.UUID(pricing["policy_id"]) in policies
        assert sum(line["amount_cents"] for line in pricing["breakdown"]) == quote.price_cents

    # At a surge customers walk away far more often than when the fleet is quiet.
    surge = [q for q in report.quotes if q.demand_multiplier >= 1.25]
    quiet = [q for q in report.quotes if q.demand_multiplier <= 1.0]
    # About 100 surge and 600 quiet quotes, accepted about 50 % and 88 % of the time:
    # 15 points apart is more than four standard deviations of the surge share.
    assert len(surge) >= 50 and len(quiet) >= 200, (len(surge), len(quiet))
    assert _accepted_share(surge) + 0.15 < _accepted_share(quiet)
    outcomes = report.outcomes
    assert outcomes["quotes_asked"] == len(report.quotes) + outcomes.get("quotes_refused", 0)

    # Restarted on this state, the simulator replays the price list: nothing new published.
    again = await simulate(replace(config, start=None, days=0.1))
    assert again.outcomes["policies_replayed"] == len(policies)
    assert "policies_published" not in again.outcomes
    events = await _events(demo_stack.command_dsn)
    assert sum(e["event_type"] == "PricingPolicyPublished" for e in events) == len(policies)
