"""PostgreSQL's CPU per append, by appends per statement: `python -m bench.append_groups`.

Registers `--vehicles` vehicles in a fresh command database, then books on them in
rounds: `--tasks` connections at once each send append statements carrying `size`
bookings of as many vehicles (`append_statement`, as `store/group_append.py` sends
them), one size after the other, forward and then backward (`--passes 2`) so that a
drifting box does not favour one size. Prints per size the appends per second (this
process decides every booking too, and its vehicles' calendars grow: the rate falls from
size to size) and the figure this is for, the CPU the PostgreSQL server spent per append
(psutil, the server's process tree).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import asyncpg

from bench import stack
from bench.pipeline_seed import METADATA, FleetPlan, plan_for, prepare, vehicle_events
from bench.process_tree import tree_cpu_s
from command_service.domain import VehicleState, decide, fold
from command_service.domain import commands as cmd
from command_service.store.append_statement import append_statement
from command_service.store.append_values import append_values
from command_service.store.event_store import EventStore
from command_service.store.pool import create_pool
from deploy.services import ROOT
from shared.kit.logs import configure_logging

WORK = ROOT / ".fleetledger" / "bench-append-groups"
HOUR = timedelta(hours=1)
Fleet = list[tuple[uuid.UUID, VehicleState]]


async def register(pool: asyncpg.Pool, plan: FleetPlan, count: int) -> Fleet:
    """`count` vehicles, registered one append each (the pipeline benchmark's fleet)."""
    store, fleet = EventStore(pool), []
    for n in range(count):
        vehicle_id, events, state = vehicle_events(plan, n)
        await store.append(vehicle_id, None, events, state, METADATA)
        fleet.append((vehicle_id, state))
    return fleet


def book(plan: FleetPlan, fleet: Fleet, i: int, k: int) -> dict[str, object]:
    """The append of vehicle `i`'s `k`-th booking (one hour, every other hour)."""
    vehicle_id, state = fleet[i]
    start = plan.base + (2 * k + 1) * HOUR
    command = cmd.BookVehicle(uuid.uuid4(), uuid.uuid4(), start, start + HOUR)
    events = decide(state, command, plan.now, uuid.uuid4)
    after = fold(events, state)
    assert after is not None
    fleet[i] = (vehicle_id, after)
    return append_values(vehicle_id, state, events, after, METADATA)


async def run_size(
    pool: asyncpg.Pool,
    plan: FleetPlan,
    fleet: Fleet,
    size: int,
    first: int,
    args: argparse.Namespace,
) -> tuple[int, float, float]:
    """(appends, seconds, PostgreSQL CPU seconds) of `args.rounds` bookings per vehicle, from
    its `first`-th."""

    async def task(mine: list[int]) -> None:
        async with pool.acquire() as conn:
            for k in range(first, first + args.rounds):
                for g in range(0, len(mine), size):
                    group = [book(plan, fleet, i, k) for i in mine[g : g + size]]
                    sql, params = append_statement(group)
                    assert len(await conn.fetch(sql, *params)) == len(group)

    shares = [list(range(t, len(fleet), args.tasks)) for t in range(args.tasks)]
    cpu, began = tree_cpu_s(args.pg), time.perf_counter()
    await asyncio.gather(*(task(share) for share in shares))
    return len(fleet) * args.rounds, time.perf_counter() - began, tree_cpu_s(args.pg) - cpu


async def measure(dsn: str, args: argparse.Namespace) -> None:
    await prepare(dsn)
    pool = await create_pool(dsn, args.tasks, args.tasks)
    plan = plan_for(0)
    try:
        fleet = await register(pool, plan, args.vehicles)
        for k, size in enumerate(args.sizes):  # warm-up: each statement prepared on each task
            await run_size(pool, plan, fleet, size, k, _once(args))
        order = args.sizes + args.sizes[::-1] * (args.passes > 1)
        sys.stdout.write("size  appends  appends/s  postgres us/append\n")
        for n, size in enumerate(order):
            first = len(args.sizes) + n * args.rounds
            appends, seconds, cpu = await run_size(pool, plan, fleet, size, first, args)
            per_s, micros = appends / seconds, cpu / appends * 1e6
            sys.stdout.write(f"{size:>4}  {appends:>7,}  {per_s:>9,.0f}  {micros:>18,.0f}\n")
    finally:
        await pool.close()


def _once(args: argparse.Namespace) -> argparse.Namespace:
    return argparse.Namespace(**{**vars(args), "rounds": 1})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.append_groups", description=__doc__)
    parser.add_argument("--sizes", default="1,2,4,8,16", help="appends per statement")
    parser.add_argument("--vehicles", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=20, help="bookings per vehicle and size")
    parser.add_argument("--tasks", type=int, default=4, help="statements in flight at once")
    parser.add_argument("--passes", type=int, default=2, choices=(1, 2))
    parser.add_argument("--pg-dir", type=Path, default=WORK / "pg", help="PostgreSQL data")
    args = parser.parse_args(argv)
    try:
        args.sizes = [int(s) for s in args.sizes.split(",")]
    except ValueError:
        parser.error("--sizes takes integers separated by commas")
    if min(args.vehicles, args.rounds, args.tasks, *args.sizes) < 1:
        parser.error("--sizes, --vehicles, --rounds and --tasks must be positive")
    configure_logging("WARNING")
    with stack.postgres(args.pg_dir.resolve()) as pg, stack.fresh_database(pg, "groups") as dsn:
        assert pg.process is not None
        args.pg = pg.process.pid
        asyncio.run(measure(dsn, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
