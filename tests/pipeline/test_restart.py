"""A SIGKILLed query service is ready again soon after its restart, while its consumer is
still rejoining the group (readiness does not wait for Kafka), and consumes again after."""

from __future__ import annotations

import time

import httpx
import pytest

from deploy import services
from tests.pipeline.stack import make_stack

pytestmark = pytest.mark.pipeline

# A long session makes the broker hold the rejoin for about 18 s (docs/pipeline.md), so a
# replica ready within READY_WITHIN_S was ready while joining, however busy the box is
# (under `make test`'s two workers on a slow VM one restart took 5.0 s to be ready).
SESSION_MS = 10_000
READY_WITHIN_S = 10.0
CONSUMING_WITHIN_S = 40.0


async def test_a_killed_query_service_is_ready_while_its_consumer_rejoins(
    cluster, broker, tmp_path
):
    stack = await make_stack(cluster, broker.bootstrap, tmp_path)
    stack.query_extra_env["FLEET_QUERY_SESSION_TIMEOUT_MS"] = str(SESSION_MS)
    try:
        stack.start_command()
        stack.start_query()  # waits until consuming
        stack.kill("query")
        started = time.monotonic()
        stack.start_query(until=None, timeout_s=READY_WITHIN_S)
        ready_s = time.monotonic() - started
        async with httpx.AsyncClient(timeout=5) as http:
            body = (await http.get(f"{stack.query_url}/readyz")).json()
        assert body["consumer"]["state"] == "joining"
        assert ready_s < READY_WITHIN_S
        ready_url, proc = f"{stack.query_url}/readyz", stack.procs["query"]
        services.wait_ready(ready_url, proc, CONSUMING_WITHIN_S, until=services.consuming)
    finally:
        stack.stop()
