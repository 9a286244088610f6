"""A SIGKILLed query service is ready again within 5 s of its restart, serving what is
projected while its consumer rejoins the group, and consuming again soon after."""

from __future__ import annotations

import time

import httpx

from deploy import services
from tests.pipeline.stack import make_stack

READY_WITHIN_S = 5.0
CONSUMING_WITHIN_S = 15.0  # measured about 7 s with a 3 s session timeout


async def test_a_killed_query_service_is_ready_within_5_s_and_rejoins(cluster, broker, tmp_path):
    stack = await make_stack(cluster, broker.bootstrap, tmp_path)
    try:
        stack.start_command()
        stack.start_query()  # waits until consuming
        stack.kill("query")
        started = time.monotonic()
        stack.start_query(until=None, timeout_s=READY_WITHIN_S)
        ready_s = time.monotonic() - started
        async with httpx.AsyncClient(timeout=5) as http:
            body = (await http.get(f"{stack.query_url}/readyz")).json()
        assert body["consumer"]["state"] in {"joining", "consuming"}
        ready_url, proc = f"{stack.query_url}/readyz", stack.procs["query"]
        services.wait_ready(ready_url, proc, CONSUMING_WITHIN_S, until=services.consuming)
        assert ready_s < READY_WITHIN_S
    finally:
        stack.stop()
