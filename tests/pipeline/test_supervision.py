"""`make run` under `kill -9`: the launcher restarts what died and nothing acknowledged is lost.

One real launcher (its own PostgreSQL, broker, sandbox payment provider, two command
workers, query service) for the module; each test SIGKILLs a part of it under booking
load, as a crash or the OOM killer would. Each ends the same way: the killed part was
restarted without a human, the stack serves a new booking and reads it back, every
acknowledged 201 is in the event store and in the read models, and the read models equal
a rebuild from the log.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator

import asyncpg
import httpx
import psutil
import pytest

from command_service.leadership import RELAY_LOCK
from shared.kit.auth.client import sign_in
from tests.pipeline.booking_load import BookingLoad
from tests.pipeline.launched import Launched, launched
from tests.pipeline.stack import assert_equals_rebuild, wait_caught_up

pytestmark = pytest.mark.pipeline
LOAD_S = 8.0
FAULT_AFTER_S = 2.0
RESTART_TIMEOUT_S = 90.0
MIN_ACKNOWLEDGED = 50  # "under load": far fewer means the fault stopped the writes


@pytest.fixture(scope="module")
def stack() -> Iterator[Launched]:
    with launched() as started:
        yield started


def restarts(stack: Launched, component: str) -> int:
    return sum(e["component"] == component for e in stack.log_events("component_restarted"))


async def wait_restarted(stack: Launched, component: str, before: int) -> None:
    deadline = time.monotonic() + RESTART_TIMEOUT_S
    while restarts(stack, component) <= before:
        assert time.monotonic() < deadline, f"{component} not restarted:\n{stack.tail()}"
        await asyncio.sleep(0.25)


Fault = Callable[[BookingLoad], Awaitable[None]]


async def under_load(stack: Launched, fault: Fault) -> BookingLoad:
    """Bookings for LOAD_S seconds with `fault` injected FAULT_AFTER_S into them."""
    load = BookingLoad(stack.command_url, stack.accounts.admin)
    try:
        await load.setup()
        running = asyncio.create_task(load.run(LOAD_S))
        await asyncio.sleep(FAULT_AFTER_S)
        await fault(load)
        await running
    finally:
        await load.close()
    assert len(load.acknowledged) >= MIN_ACKNOWLEDGED and not load.abandoned
    return load


async def booked_in_store(stack: Launched) -> set[str]:
    conn = await asyncpg.connect(stack.command_dsn)
    try:
        rows = await conn.fetch(
            "SELECT data->>'booking_id' AS id FROM events WHERE event_type = 'BookingConfirmed'"
        )
    finally:
        await conn.close()
    return {r["id"] for r in rows}


async def booked_in_read_models(stack: Launched) -> set[str]:
    conn = await asyncpg.connect(stack.query_dsn)
    try:
        schema = await conn.fetchval("SELECT schema_name FROM public.read_model_active")
        rows = await conn.fetch(f"SELECT booking_id::text AS id FROM {schema}.bookings")
    finally:
        await conn.close()
    return {r["id"] for r in rows}


async def assert_serving_again(stack: Launched) -> None:
    """A new booking is acknowledged and read back at once with its consistency token."""
    load = BookingLoad(stack.command_url, stack.accounts.admin, vehicles=1)
    try:
        await load.setup()
        booking = await load.book_one()
        assert booking is not None
        async with httpx.AsyncClient(base_url=stack.query_url, timeout=30) as http:
            token = await asyncio.to_thread(sign_in, stack.command_url, stack.accounts.admin)
            seen = await http.get(
                f"/v1/bookings/{booking}",
                headers={
                    "Authorization": f"Bearer {token}",
                    "X-Consistency-Token": load.acknowledged[booking],
                    "X-Consistency-Wait-Ms": "10000",
                },
            )
            assert seen.status_code == 200, f"{seen.text}\n{stack.tail(12000)}"
            ready = (await http.get("/readyz")).json()
        assert ready["consumer"]["consumer_running"], ready  # the loop survived the fault
    finally:
        await load.close()


async def assert_recovered(stack: Launched, load: BookingLoad) -> None:
    await assert_serving_again(stack)
    await wait_caught_up(stack, timeout_s=120)
    acknowledged = set(load.acknowledged)
    assert acknowledged <= await booked_in_store(stack)
    assert acknowledged <= await booked_in_read_models(stack)
    await assert_equals_rebuild(stack)
    assert stack.proc is not None and stack.proc.poll() is None, "the launcher gave up"


async def kill_and_wait(stack: Launched, *components: str) -> None:
    before = {c: restarts(stack, c) for c in components}
    for component in components:
        stack.kill(component)
    for component in components:
        await wait_restarted(stack, component, before[component])


def assert_died_of_sigkill(stack: Launched, component: str) -> None:
    died = [e for e in stack.log_events("component_died") if e["component"] == component]
    assert any(e["cause"] == "signal SIGKILL" for e in died), f"{died}\n{stack.tail(12000)}"


async def test_a_killed_query_service_is_restarted_and_never_stops_writes(stack):
    async def fault(load: BookingLoad) -> None:
        before = restarts(stack, "query")
        stack.kill("query")
        assert await load.book_one() is not None  # written while the read side is down
        assert restarts(stack, "query") == before
        await wait_restarted(stack, "query", before)

    load = await under_load(stack, fault)
    assert_died_of_sigkill(stack, "query")
    await assert_recovered(stack, load)


async def test_a_killed_uvicorn_master_is_restarted_and_never_stops_reads(stack):
    async def fault(load: BookingLoad) -> None:
        booking, consistency = next(iter(load.acknowledged.items()))
        token = await asyncio.to_thread(sign_in, stack.command_url, stack.accounts.admin)
        auth = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=stack.query_url, timeout=10) as http:
            projected = await http.get(
                f"/v1/bookings/{booking}", headers={**auth, "X-Consistency-Token": consistency}
            )
            assert projected.status_code == 200, projected.text
            before = restarts(stack, "command")
            stack.kill("command")  # the master: the launcher kills its orphaned workers
            read = await http.get(f"/v1/bookings/{booking}", headers=auth)
        assert read.status_code == 200, read.text  # read while the write side is down
        assert restarts(stack, "command") == before
        await wait_restarted(stack, "command", before)

    load = await under_load(stack, fault)
    assert_died_of_sigkill(stack, "command")
    await assert_recovered(stack, load)


async def relay_leader_worker(stack: Launched) -> psutil.Process:
    """The command worker whose database session holds the relay's advisory lock."""
    conn = await asyncpg.connect(stack.command_dsn)
    try:
        port = await conn.fetchval(
            "SELECT a.client_port FROM pg_locks AS l JOIN pg_stat_activity AS a USING (pid)"
            " WHERE l.locktype = 'advisory' AND l.objid = $1 AND l.granted",
            RELAY_LOCK,
        )
    finally:
        await conn.close()
    for worker in stack.child("command").children():
        if any(c.laddr and c.laddr.port == port for c in worker.net_connections("tcp")):
            return worker
    raise LookupError("no command worker holds the relay lock")


async def test_a_killed_relay_leader_worker_is_replaced_and_a_standby_takes_over(stack):
    killed: list[int] = []

    async def fault(load: BookingLoad) -> None:
        leader = await relay_leader_worker(stack)
        leader.kill()  # SIGKILL, the uvicorn master replaces the worker
        killed.append(leader.pid)

    load = await under_load(stack, fault)
    await assert_recovered(stack, load)
    assert (await relay_leader_worker(stack)).pid not in killed


async def test_a_killed_broker_is_restarted_and_its_lost_records_are_healed(stack):
    async def fault(load: BookingLoad) -> None:
        await kill_and_wait(stack, "broker")

    load = await under_load(stack, fault)
    assert_died_of_sigkill(stack, "broker")
    await assert_recovered(stack, load)


async def test_a_killed_postgres_postmaster_is_restarted_and_everyone_reconnects(stack):
    async def fault(load: BookingLoad) -> None:
        await kill_and_wait(stack, "postgres")

    load = await under_load(stack, fault)
    assert_died_of_sigkill(stack, "postgres")
    await assert_recovered(stack, load)


async def test_two_parts_killed_at_once_are_both_restarted(stack):
    async def fault(load: BookingLoad) -> None:
        await kill_and_wait(stack, "broker", "query")

    load = await under_load(stack, fault)
    await assert_recovered(stack, load)


async def test_the_sandbox_provider_is_launched_and_a_killed_one_restarts_with_its_ledger(
    stack,
):
    assert f"sandbox payments {stack.sandbox_url}" in stack.log.read_text()  # the banner
    assert (stack.state_dir / "sandbox.json").stat().st_mode & 0o777 == 0o600
    body = {"amount_cents": 4200, "currency": "EUR", "card_token": "tok_visa", "reference": "s"}
    async with httpx.AsyncClient(base_url=stack.sandbox_url) as http:
        created = await http.post(
            "/v1/authorizations", json=body, headers={"Idempotency-Key": "launched-1"}
        )
        assert created.status_code == 201
        before = (await http.get("/v1/ledger")).json()
        restarted = restarts(stack, "sandbox")
        stack.kill("sandbox")
        await wait_restarted(stack, "sandbox", restarted)
        assert_died_of_sigkill(stack, "sandbox")
        assert (await http.get("/v1/ledger")).json() == before
