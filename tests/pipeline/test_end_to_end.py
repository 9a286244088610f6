"""The whole pipeline under faults: after each, read models equal a rebuild from the log.

Real processes (command service + relay, query service), the real broker and database.
"No event applied twice, none missing" is checked twice over: every vehicle's projected
version equals its stream head, and every row equals a rebuild from scratch.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from command_service.relay import Relay
from command_service.store.pool import create_pool
from shared.kit.auth.client import SignedIn
from tests.integration.conftest import new_vehicle
from tests.pipeline.stack import assert_equals_rebuild, make_stack, wait_caught_up
from tests.pipeline.workload import Workload

pytestmark = pytest.mark.pipeline


async def test_thousands_of_random_commands_project_exactly_like_a_rebuild(stack):
    workload = Workload(stack.command_url, stack.accounts.admin, seed=1)
    try:
        await workload.setup()
        await workload.run(2500)
    finally:
        await workload.close()
    assert workload.statuses[201] > 500 and not [s for s in workload.statuses if s >= 500]
    await wait_caught_up(stack)
    assert await assert_equals_rebuild(stack) > 1000


async def test_a_booking_is_visible_on_the_next_read_that_sends_its_token(stack):
    auth = SignedIn(stack.accounts.admin, stack.command_url)
    async with httpx.AsyncClient(timeout=30, auth=auth) as http:
        vehicle = (await http.post(f"{stack.command_url}/v1/vehicles", json=new_vehicle())).json()
        start = datetime.now(UTC) + timedelta(days=3)
        booked = await http.post(
            f"{stack.command_url}/v1/bookings",
            json={
                "vehicle_id": vehicle["vehicle_id"],
                "start": start.isoformat(),
                "end": (start + timedelta(hours=2)).isoformat(),
            },
        )
        token = booked.json()["consistency_token"]
        seen = await http.get(
            f"{stack.query_url}/v1/bookings/{booked.json()['booking_id']}",
            headers={"X-Consistency-Token": token},
        )
    assert seen.status_code == 200
    assert seen.json()["booking_id"] == booked.json()["booking_id"]


async def test_killing_the_query_service_mid_batch_loses_and_duplicates_nothing(stack):
    workload = Workload(stack.command_url, stack.accounts.admin, seed=2)
    try:
        await workload.setup()
        load = asyncio.create_task(workload.run(1500))
        await asyncio.sleep(2)
        stack.kill("query")  # SIGKILL while it is applying batches
        await asyncio.sleep(1)
        stack.start_query()
        await load
    finally:
        await workload.close()
    await wait_caught_up(stack)
    await assert_equals_rebuild(stack)


async def test_a_relay_killed_between_publish_and_checkpoint_republishes(cluster, broker, tmp_path):
    stack = await make_stack(cluster, broker.bootstrap, tmp_path, relay=False)
    stack.start_command()
    stack.start_query()
    pool = await create_pool(stack.command_dsn, 1, 4)
    crashes = 0

    async def crash(_rows):
        nonlocal crashes
        crashes += 1
        raise RuntimeError("relay killed between publish and checkpoint")

    try:
        workload = Workload(stack.command_url, stack.accounts.admin, seed=3)
        await workload.setup()
        await workload.run(300)
        doomed = Relay(
            stack.command_dsn, pool, stack.bootstrap, stack.topic, 4, before_checkpoint=crash
        )
        await doomed._leader.try_acquire()
        await doomed._prepare()
        with pytest.raises(RuntimeError):
            await doomed.drain()  # everything published, nothing checkpointed
        await doomed.stop()
        survivor = Relay(
            stack.command_dsn, pool, stack.bootstrap, stack.topic, 4, poll_interval_s=0.2
        )
        survivor.start()
        await workload.run(300)
        await workload.close()
        await wait_caught_up(stack)
        await survivor.stop()
    finally:
        await pool.close()
        stack.stop()
    assert crashes == 1
    stack.start_command()  # the rebuild reads the log through the command service
    try:
        await assert_equals_rebuild(stack)
    finally:
        stack.stop()
