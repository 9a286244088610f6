"""Availability at fleet scale: 5,000 vehicles, 500,000 booking blocks; plans and latency.

Not collected by pytest (run by hand, ~1 min):

    .venv/bin/python -m tests.query.explain_availability [DSN]

Without a DSN it starts an embedded PostgreSQL in a temporary directory. It fills a fresh
read-model generation with synthetic rows (SQL generate_series, not the projector; the
`vehicle_busy` rows as read_models/busy.py would fold them), prints EXPLAIN (ANALYZE,
BUFFERS) of the availability query through the same SQL the API runs, the mean and p99
server execution time and buffers of 300 random windows per filter, and the client
latency of 300 windows with and without filters.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

from query_service.api.context import Reader
from query_service.api.queries import availability as q
from query_service.store.schemas import bound_pool, create_schema, new_schema_name
from shared.contract.organizations import DEFAULT_ORGANIZATION_ID
from shared.kit.pg import Turns

VEHICLES = 5_000
BOOKINGS_PER_VEHICLE = 100
BASE = datetime(2030, 1, 1, tzinfo=UTC)
NOW = BASE + timedelta(days=120)
ORG = DEFAULT_ORGANIZATION_ID

_FILL = f"""
INSERT INTO vehicles (vehicle_id, vin, plate, make, model, year, seats, hourly_rate_cents,
                      daily_rate_cents, currency, home_lat, home_lon, status, retired,
                      odometer_km, km_at_last_service, last_service_at, version,
                      registered_at, updated_at, organization_id)
SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid,
       'VIN' || i, 'P-' || i, 'Make' || (i % 10), 'Model' || (i % 30), 2028, 2 + i % 8,
       800 + i % 700, 5000 + i % 3000, 'EUR',
       52.3 + (i % 97) * 0.005, 13.1 + (i % 89) * 0.008,
       CASE WHEN i % 20 = 0 THEN 'inactive' WHEN i % 100 = 1 THEN 'retired'
            ELSE 'available' END,
       i % 100 = 1, 10000, 10000, $1, 1, $1, $1, '{ORG}'::uuid
FROM generate_series(1, {VEHICLES}) AS i;

-- per vehicle, one booking every ~3.6 days over a year, 1 h .. 3 days long
INSERT INTO bookings (booking_id, vehicle_id, customer_id, start_at, end_at, price_cents,
                      currency, status, confirmed_at, updated_at, organization_id,
                      breakdown, deposit_cents, extras)
SELECT gen_random_uuid(), v.vehicle_id,
       ('00000000-0000-4000-9000-' || lpad(to_hex((v.n * 100 + k) % 2000), 12, '0'))::uuid,
       t.s, t.s + make_interval(hours => 1 + (hashint4(k * 7919 + v.n) & 65535) % 71),
       1000, 'EUR', 'confirmed', $1, $1, '{ORG}'::uuid, '[]', 0, '[]'
FROM (SELECT vehicle_id, (row_number() OVER ())::int AS n FROM vehicles) v,
     generate_series(0, {BOOKINGS_PER_VEHICLE - 1}) AS k,
     LATERAL (SELECT $1::timestamptz + make_interval(hours => k * 87
              + (hashint4(k + v.n * 31) & 65535) % 12) AS s) AS t;

INSERT INTO calendar_blocks (block_id, vehicle_id, kind, period, organization_id)
SELECT booking_id, vehicle_id, 'booking', tstzrange(start_at, end_at, '[)'), organization_id
FROM bookings;

-- what read_models/busy.py folds from the same bookings: one row per vehicle
INSERT INTO vehicle_busy
SELECT vehicle_id, range_agg(tstzrange(start_at, end_at, '[)')), '{{}}', NULL, '{{}}',
       '{ORG}'::uuid
FROM bookings GROUP BY vehicle_id;
"""


async def fill(conn: asyncpg.Connection) -> None:
    started = time.perf_counter()
    for statement in _FILL.split(";\n"):
        if "$1" in statement:
            await conn.execute(statement, BASE)
        elif statement.strip():
            await conn.execute(statement)
    await conn.execute("VACUUM (ANALYZE)")  # as the rebuild leaves a generation
    count = await conn.fetchval("SELECT count(*) FROM calendar_blocks")
    rows = await conn.fetchval("SELECT pg_size_pretty(pg_table_size('vehicle_busy'))")
    _say(f"filled {VEHICLES} vehicles, {count} blocks, vehicle_busy {rows}"
          f" in {time.perf_counter() - started:.1f}s")  # fmt: skip


def _say(text: str = "") -> None:
    """A report line on stdout (this is a script, not a test)."""
    sys.stdout.write(text + "\n")


def sql_of(wanted: q.Wanted) -> tuple[str, list[object]]:
    return q.availability_sql(wanted, NOW, None, 50, DEFAULT_ORGANIZATION_ID)


def random_window(rng: random.Random, hours: tuple[int, ...]) -> tuple[datetime, datetime]:
    start = BASE + timedelta(hours=rng.randrange(0, 24 * 330))
    return start, start + timedelta(hours=rng.choice(hours))


async def latency(
    pool: asyncpg.Pool, label: str, hours: tuple[int, ...] = (1, 4, 24, 72), **filters: object
) -> None:
    rng = random.Random(7)
    timings = []
    for _ in range(300):
        wanted = q.Wanted(*random_window(rng, hours), **filters)  # type: ignore[arg-type]
        started = time.perf_counter()
        reader = Reader(pool, Turns(1, 4), DEFAULT_ORGANIZATION_ID)
        await q.available_vehicles(reader, wanted, NOW, None, 50)
        timings.append((time.perf_counter() - started) * 1e3)
    timings.sort()
    p50, p99 = statistics.median(timings), timings[int(len(timings) * 0.99) - 1]
    _say(f"{label:<28} mean {statistics.mean(timings):6.2f} ms   p50 {p50:6.2f} ms"
          f"   p99 {p99:6.2f} ms   max {timings[-1]:6.2f} ms")  # fmt: skip


async def database_time(
    conn: asyncpg.Connection, label: str, hours: tuple[int, ...] = (1, 4, 24, 72), **filters: object
) -> None:
    """Server-side execution time and shared buffers of 300 windows (EXPLAIN ANALYZE)."""
    rng = random.Random(7)
    times, buffers = [], []
    for _ in range(300):
        wanted = q.Wanted(*random_window(rng, hours), **filters)  # type: ignore[arg-type]
        sql, args = sql_of(wanted)
        raw = await conn.fetchval(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", *args)
        plan = json.loads(raw)[0]
        times.append(plan["Execution Time"])
        buffers.append(plan["Plan"]["Shared Hit Blocks"] + plan["Plan"]["Shared Read Blocks"])
    times.sort()
    _say(f"{label:<28} execution mean {statistics.mean(times):5.2f} ms"
          f"  p99 {times[int(len(times) * 0.99) - 1]:5.2f} ms"
          f"  buffers mean {statistics.mean(buffers):7.1f}")  # fmt: skip


async def explain(conn: asyncpg.Connection, label: str, wanted: q.Wanted) -> None:
    sql, args = sql_of(wanted)
    plan = await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", *args)
    _say(f"\n--- {label}\n" + "\n".join(r[0] for r in plan))


async def run(dsn: str) -> None:
    schema = new_schema_name()
    conn = await asyncpg.connect(dsn)
    await create_schema(conn, schema)
    await conn.execute(f"SET search_path TO {schema}")
    await fill(conn)
    day = BASE + timedelta(days=200, hours=9)
    await explain(conn, "one day, no filter", q.Wanted(day, day + timedelta(days=1)))
    near = q.Near(52.5, 13.4, 5)
    await explain(conn, "near, 5 km", q.Wanted(day, day + timedelta(hours=4), near=near))
    await explain(conn, "30 days, no filter (none free)",
                  q.Wanted(day, day + timedelta(days=30)))  # fmt: skip
    await explain(conn, "three days, make + model",
                  q.Wanted(day, day + timedelta(days=3), make="Make3", model="Model3"))  # fmt: skip
    _say()
    await database_time(conn, "no filter")
    await database_time(conn, "make", make="Make3")
    await database_time(conn, "make + model", make="Make3", model="Model3")
    await database_time(conn, "min_seats", min_seats=9)
    await database_time(conn, "30-day windows", hours=(720,))
    _say()
    pool = await bound_pool(dsn, schema, 1, 4, readers=True)
    await latency(pool, "no filter")
    await latency(pool, "make + min_seats", make="Make3", min_seats=5)
    await latency(pool, "near 5 km", near=near)
    await latency(pool, "30-day windows", hours=(720,))
    async with pool.acquire() as reader:  # the one connection the sequential reads used
        plans = await reader.fetchrow(
            "SELECT sum(generic_plans) AS generic, sum(custom_plans) AS custom"
            " FROM pg_prepared_statements"
        )
    _say(f"plan cache: {plans['generic']} executions on a generic plan, {plans['custom']}"
          " planned for their values")  # fmt: skip
    await pool.close()
    await conn.execute(f"DROP SCHEMA {schema} CASCADE")
    await conn.close()


def main() -> None:
    if len(sys.argv) > 1:
        asyncio.run(run(sys.argv[1]))
        return
    from deploy.postgres import EmbeddedPostgres

    with tempfile.TemporaryDirectory() as tmp:
        pg = EmbeddedPostgres(Path(tmp))
        pg.start()
        try:
            asyncio.run(run(pg.dsn("postgres")))
        finally:
            pg.stop()


if __name__ == "__main__":
    main()
