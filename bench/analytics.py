"""Analytics benchmark: projection throughput with the analytics read models on, and the
latency of every /v1/analytics endpoint over a fleet of ≥ 2,000 vehicles and ≥ 1,000,000
events (docs/benchmarks.md, "Analytics").

    .venv/bin/python -m bench.analytics [--vehicles 2000] [--events-per-vehicle 505]

1. seeds the fleet's history straight into a fresh command database (bench/analytics_seed.py);
2. starts a command service (no relay) and projects its whole feed with
   `query_service.rebuild.rebuild` (4 shard connections, every read model incl. analytics),
   printing events/s;
3. starts a query service (no consumer) and sends each endpoint `--requests` requests one
   at a time over loopback, printing p50/p99. Every process is stopped by PID.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import asyncpg
import httpx

from bench.analytics_seed import HistoryPlan, StoreFeed, seed_history
from bench.auth import sign_in
from bench.loadgen import percentile
from bench.pipeline_stack import command_service, query_service
from bench.stack import fresh_database, postgres
from command_service.store.pool import create_pool
from query_service.replay import SHARDS, replay_into
from query_service.store import schemas

DAY = timedelta(days=1)
TARGET_P99_MS, TARGET_EVENTS_S = 100.0, 5_000.0


async def project_log(command_dsn: str, query_dsn: str) -> tuple[int, float]:
    """The blue-green rebuild's replay (query_service.replay.replay_into, 4 shard
    connections) of the whole log into a fresh generation, which then goes live."""
    admin, feed = await asyncpg.connect(query_dsn), StoreFeed(await create_pool(command_dsn, 2, 2))
    try:
        await schemas.ensure_pointer(admin)
        name = schemas.new_schema_name()
        await schemas.create_schema(admin, name)
        targets = [await schemas.connect(query_dsn, name) for _ in range(SHARDS)]
        began = time.perf_counter()
        try:
            for target in targets:
                await target.execute("SET synchronous_commit TO off")
            events = await replay_into(targets, feed)  # type: ignore[arg-type]
        finally:
            for target in targets:
                await target.close()
        seconds = time.perf_counter() - began
        for table in await admin.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = $1", name
        ):
            await admin.execute(f'VACUUM (ANALYZE) {name}."{table[0]}"')
        await schemas.activate(admin, name)
        return events, seconds
    finally:
        await feed.close()
        await admin.close()


def http_client(base_url: str, token: str | None) -> httpx.AsyncClient:
    """The one client every request goes through (the Authorization header lives here)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30.0)


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _requests(start: datetime, days: int, vehicles: list[UUID], rng: random.Random) -> dict:
    """Endpoint → a function giving the (path, params) of its next request."""

    def span(length: timedelta) -> dict[str, str]:
        lo = start + timedelta(hours=rng.randrange(int((days * DAY - length) / timedelta(hours=1))))
        return {"from": _iso(lo), "to": _iso(lo + length)}

    week, month = timedelta(days=7), timedelta(days=30)
    return {
        "fleet/utilization hour 7d": lambda: ("/v1/analytics/fleet/utilization", span(week)),
        "fleet/utilization day 30d": lambda: (
            "/v1/analytics/fleet/utilization", {**span(month), "granularity": "day"}),
        "vehicles/{id}/utilization hour 7d": lambda: (
            f"/v1/analytics/vehicles/{rng.choice(vehicles)}/utilization", span(week)),
        "underutilized 30d": lambda: ("/v1/analytics/underutilized", span(month)),
        "peak-hours 30d": lambda: ("/v1/analytics/peak-hours", span(month)),
        "bookings/stats 30d": lambda: ("/v1/analytics/bookings/stats", span(month)),
        "revenue day 30d": lambda: ("/v1/analytics/revenue", span(month)),
        "maintenance/due": lambda: ("/v1/analytics/maintenance/due", {"score_below": 60}),
    }  # fmt: skip


async def measure_endpoints(
    url: str, token: str | None, plan: HistoryPlan, days: int, vehicles: list[UUID], count: int
) -> dict[str, tuple[float, float, int]]:
    """name → (p50 ms, p99 ms, non-200 answers) over `count` sequential requests each."""
    results = {}
    async with http_client(url, token) as http:
        for name, make in _requests(plan.start, days, vehicles, random.Random(5)).items():
            latencies, failures = [], 0
            for i in range(count + 5):  # 5 warm-up requests, not counted
                path, params = make()
                began = time.perf_counter()
                response = await http.get(path, params=params)
                if i >= 5:
                    latencies.append(time.perf_counter() - began)
                    failures += response.status_code != 200
            results[name] = (percentile(latencies, 50) * 1e3, percentile(latencies, 99) * 1e3,
                             failures)  # fmt: skip
            _say(f"  {name:38s} p50 {results[name][0]:7.1f} ms  p99 {results[name][1]:7.1f} ms"
                  f"  non-200 {failures}")  # fmt: skip
    return results


def _say(text: str) -> None:
    """A line of the report on stdout, at once (a full run takes minutes)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.analytics")
    parser.add_argument("--vehicles", type=int, default=2_000)
    parser.add_argument("--events-per-vehicle", type=int, default=505)
    parser.add_argument("--requests", type=int, default=200, help="per endpoint")
    parser.add_argument(
        "--pg-dir", type=Path, default=Path(".fleetledger/bench-analytics-pg").resolve()
    )
    args = parser.parse_args()
    work = Path(".fleetledger/bench-analytics").resolve()
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    plan = HistoryPlan(args.vehicles, args.events_per_vehicle, today - 80 * DAY)
    with postgres(args.pg_dir) as pg, fresh_database(pg, "anl_cmd") as cmd_dsn, \
            fresh_database(pg, "anl_qry") as qry_dsn:  # fmt: skip
        began = time.perf_counter()
        events, vehicles = asyncio.run(seed_history(cmd_dsn, plan))
        _say(f"seeded {len(vehicles):,} vehicles, {events:,} events in "
              f"{time.perf_counter() - began:.0f} s")  # fmt: skip
        with command_service("command", cmd_dsn, work) as command:
            projected, seconds = asyncio.run(project_log(cmd_dsn, qry_dsn))
            rate = projected / seconds
            _say(f"projection (rebuild replay, 4 shards, all read models incl. analytics): "
                  f"{projected:,} events in {seconds:.1f} s = {rate:,.0f} events/s "
                  f"(target >= {TARGET_EVENTS_S:,.0f})")  # fmt: skip
            token = sign_in(command.url)  # bench/auth.py: the admin of the generated accounts
            with query_service("query", qry_dsn, work, command.url) as query:
                _say(f"latency, {args.requests} sequential requests per endpoint "
                      f"(token: {'yes' if token else 'none'}):")  # fmt: skip
                found = asyncio.run(measure_endpoints(
                    query.url, token, plan, 80, vehicles, args.requests))  # fmt: skip
    worst = max(p99 for _, p99, _ in found.values())
    _say(f"verdict: projection {'MEETS' if rate >= TARGET_EVENTS_S else 'MISSES'} target;"
          f" worst p99 {worst:.1f} ms {'MEETS' if worst <= TARGET_P99_MS else 'MISSES'}"
          f" target")  # fmt: skip
    return 0 if all(f == 0 for _, _, f in found.values()) else 1


if __name__ == "__main__":
    os.environ.setdefault("FLEET_LOG_LEVEL", "WARNING")
    raise SystemExit(main())
