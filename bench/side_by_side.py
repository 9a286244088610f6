"""Fleetledger's full stack against a row-lock CRUD reference, interleaved round by round.

`python -m bench.side_by_side [--rounds 3] [--duration 20] [--vehicles 10000]`

Starts one embedded PostgreSQL and broker, Fleetledger as `make run` starts it (command
service with 2 workers and its relay, broker, consuming query service) and the reference
(bench/crud_reference/, a benchmark baseline: FastAPI, SELECT … FOR UPDATE, 2 workers; on
SQLAlchemy's ORM as issue 10's peer, or with `--reference sql` on asyncpg and hand-written
SQL), registers the same fleet on both, then runs every round: (A) 32 clients
booking one-hour windows on distinct vehicles, (B) 64 clients racing for 4 vehicles,
(C) 29 clients reading availability (the query service) while 3 book (about 90 %
reads). Each scenario runs on both, the order alternating by round. After every run:
0 overlapping bookings and every 201 stored, in each system's own store; the machine's
steal time over the run; on Fleetledger's side, the wait until its query side caught up.
Prints each round's ratios (Fleetledger ÷ reference) and the medians, then the box's CPU
per answer and each part's cores in every run (bench/side_by_side_checks.py). Exit
status 1 when a check fails or a read side did not catch up.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack, ExitStack
from dataclasses import dataclass
from pathlib import Path
from subprocess import Popen
from typing import TypeVar

from bench import pipeline_stack as ps
from bench.auth import sign_in
from bench.commands_report import SLOTS_PER_DAY
from bench.loadgen import LoadResult, run_load
from bench.pipeline_reads import QUARTER_HOUR
from bench.read_side import ReadProbe, ReadSide
from bench.scenarios import (
    DISTINCT_CLIENTS,
    HOT_CLIENTS,
    HOT_GRID_DAYS,
    HOT_VEHICLES,
    VEHICLES_PER_CLIENT,
    DistinctVehicles,
    HotVehicles,
    add_customers,
    first_slot,
    register_vehicles,
)
from bench.side_by_side_checks import (
    RunMeter,
    Steal,
    StoreCheck,
    check_crud,
    check_fleetledger,
    wait_projected,
)
from bench.side_by_side_report import Run, render
from bench.stack import HOST, Service, fresh_database, postgres
from deploy.services import ROOT
from shared.kit import loop
from shared.kit.kafka_admin import ensure_topic

WORK = ROOT / ".fleetledger" / "side-by-side"
REFERENCES = {  # --reference: the reference's uvicorn factory
    "orm": "bench.crud_reference.app:create_orm_app",
    "sql": "bench.crud_reference.app:create_app",
}
# (A) and (B) are bench.commands' (a) and (b), shaped by the same constants.
A_CLIENTS, A_PER_CLIENT = DISTINCT_CLIENTS, VEHICLES_PER_CLIENT
B_CLIENTS, HOT = HOT_CLIENTS, HOT_VEHICLES
C_READERS, C_BOOKERS = 29, 3
GRID_SLOTS = HOT_GRID_DAYS * SLOTS_PER_DAY  # (B): 2-hour slots
PER_ROUND = A_CLIENTS * A_PER_CLIENT + HOT + C_BOOKERS * A_PER_CLIENT  # vehicles used


@dataclass
class System:
    """One side: where it takes commands and reads, its fleet and how to check its store."""

    name: str
    command: Service
    read_port: int
    fleet: list[str]
    check: Callable[[str, list[str], LoadResult], Awaitable[StoreCheck]]
    roots: dict[str, int]  # CPU meter: the processes of each part
    probe: ReadProbe | None = None  # Fleetledger's read side, waited for after each run


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.side_by_side",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=20.0, help="measured s per run")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--vehicles", type=int, default=10_000, help="fleet size per system")
    parser.add_argument("--pg-dir", type=Path, default=ROOT / ".fleetledger" / "side-by-side-pg")
    parser.add_argument(
        "--query-workers", type=int, default=1, help="Fleetledger's query service workers"
    )
    parser.add_argument(
        "--reference", choices=REFERENCES, default="orm",
        help="the reference's store: SQLAlchemy's ORM (issue 10's peer) or asyncpg and SQL",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.duration <= 0 or args.vehicles < args.rounds * PER_ROUND:
        parser.error(f"need --rounds >= 1, --duration > 0, --vehicles >= rounds x {PER_ROUND}")
    args.pg_dir = args.pg_dir.resolve()
    return args


def availability_reads(round_no: int) -> Callable[[int], tuple[str, str, bytes]]:
    """(C)'s reads: a window of 1 hour to 3 days starting within the next 14 days."""
    rng, base = random.Random(round_no), first_slot()

    def factory(client: int) -> tuple[str, str, bytes]:
        start = base + rng.randrange(14 * 96) * QUARTER_HOUR
        end = start + rng.randint(4, 3 * 96) * QUARTER_HOUR
        stamp = "%Y-%m-%dT%H:%M:%SZ"
        return "GET", f"/v1/availability?start={start:{stamp}}&end={end:{stamp}}", b""

    return factory


Factory = TypeVar("Factory", DistinctVehicles, HotVehicles)


async def _for_customers(side: System, factory: Factory) -> Factory:
    """`factory`, its customers made accounts on Fleetledger's side (its staff book only
    for accounts of their organization; the reference takes any id)."""
    if side.name == "fleetledger":
        await add_customers(side.command.dsn, factory.customers)
    return factory


async def scenario(args: argparse.Namespace, side: System, name: str, n: int) -> Run:
    """Run scenario `name` of round `n` on one side, then check its store."""
    offset = (n - 1) * PER_ROUND
    a_cars = side.fleet[offset : offset + A_CLIENTS * A_PER_CLIENT]
    hot = side.fleet[offset + len(a_cars) : offset + len(a_cars) + HOT]
    c_cars = side.fleet[offset + len(a_cars) + HOT : offset + PER_ROUND]
    port, w, d = side.command.port, args.warmup, args.duration
    meter = RunMeter(side.roots, port, side.probe)
    if name == "A":
        a = await _for_customers(side, DistinctVehicles(a_cars, A_CLIENTS))
        steal, hook = Steal(), await meter.hook()
        result = await run_load(HOST, port, A_CLIENTS, a, w, d, hook=hook)
        answers, checks = result.count, [await side.check(side.command.dsn, a_cars, result)]
    elif name == "B":
        factory = await _for_customers(side, HotVehicles(hot, GRID_SLOTS, seed=n))
        steal, hook = Steal(), await meter.hook()
        result = await run_load(HOST, port, B_CLIENTS, factory, w, d, hook=hook)
        answers, checks = result.count, [await side.check(side.command.dsn, hot, result)]
    else:
        c = await _for_customers(side, DistinctVehicles(c_cars, C_BOOKERS))
        steal, hook = Steal(), await meter.hook()
        reads = run_load(HOST, side.read_port, C_READERS, availability_reads(n), w, d, hook=hook)
        books = run_load(HOST, port, C_BOOKERS, c, w, d)
        result, booked = await asyncio.gather(reads, books)
        answers = result.count + booked.count
        checks = [await side.check(side.command.dsn, c_cars, booked)]
        if set(result.all_statuses) != {200}:
            checks.append(StoreCheck(0, 0, -1))  # a read that failed fails the run
    spent = await meter.settle(name, n, result, answers)
    return Run(n, name, side.name, result, checks, steal.share(), spent)


def progress(text: str) -> None:
    sys.stderr.write(f"[side-by-side] {text}\n")
    sys.stderr.flush()


async def register_fleets(sides: list[System], count: int) -> None:
    """The same number of vehicles on both sides (Fleetledger's reach its query side)."""
    for side in sides:
        side.fleet = await register_vehicles(side.command, count)
        progress(f"{side.name}: {count:,} vehicles registered")
    took = await wait_projected(sides[0].read_port, count)
    progress(f"fleetledger: query side lists the fleet after {took:.1f} s")


async def rounds(args: argparse.Namespace, sides: list[System]) -> list[Run]:
    """The fleets registered, then every round."""
    await register_fleets(sides, args.vehicles)
    runs: list[Run] = []
    async with AsyncExitStack() as probes:
        for side in sides:
            if side.probe is not None:
                await probes.enter_async_context(side.probe)
        for n in range(1, args.rounds + 1):
            await _round(args, sides, n, runs)
    return runs


async def _round(args: argparse.Namespace, sides: list[System], n: int, runs: list[Run]) -> None:
    """Every scenario of round `n` on both sides, the first side alternating by round."""
    sign_in(f"http://{HOST}:{sides[0].command.port}")  # tokens live 15 min
    for name in "ABC":
        for side in sides if n % 2 else sides[::-1]:
            run = await scenario(args, side, name, n)
            runs.append(run)
            rate, p99 = run.result.rate, run.result.percentile_ms(99)
            drain = run.spent.drain_s
            progress(
                f"round {n} ({name}) {side.name}: {rate:,.0f}/s, p99 {p99:.1f} ms, "
                f"steal {run.steal:.1%}, box {run.spent.ms_per_answer:.2f} ms CPU per answer"
                + ("" if drain is None else f", read side caught up {drain:.1f} s after")
            )


def _pid(process: Popen[bytes] | None) -> int:
    assert process is not None, "started above"
    return process.pid


def _as_service(proc: ps.Proc, dsn: str) -> Service:
    return Service(proc.workers, proc.port, dsn, proc.process, proc.log_path)


def start(stack: ExitStack, args: argparse.Namespace) -> list[System]:
    """PostgreSQL, broker, Fleetledger (2 command workers + relay, query), the reference."""
    pg = stack.enter_context(postgres(args.pg_dir))
    command_dsn = stack.enter_context(fresh_database(pg, "sbs_command"))
    query_dsn = stack.enter_context(fresh_database(pg, "sbs_query"))
    crud_dsn = stack.enter_context(fresh_database(pg, "sbs_crud"))
    broker = stack.enter_context(ps.broker(WORK))
    topic = "sbs.vehicle-events"
    asyncio.run(ensure_topic(broker.bootstrap, topic, ps.PARTITIONS))
    command = stack.enter_context(
        ps.command_service("command", command_dsn, WORK, broker.bootstrap, topic, workers=2)
    )
    query = stack.enter_context(
        ps.query_service("query", query_dsn, WORK, command.url, broker.bootstrap, topic,
                         workers=args.query_workers)
    )  # fmt: skip
    env = {"CRUD_DATABASE_URL": crud_dsn}
    crud = stack.enter_context(
        ps.service("crud-reference", REFERENCES[args.reference], env, WORK, 2, ROOT)
    )
    progress(
        f"fleetledger on :{command.port} (query :{query.port}, {args.query_workers} worker(s)),"
        f" reference ({args.reference}) on :{crud.port}"
    )
    pg_pid, broker_pid = _pid(pg.process), _pid(broker.process)
    fleet_roots = {"service": command.process.pid, "postgres": pg_pid,
                   "query": query.process.pid, "broker": broker_pid}  # fmt: skip
    read_side = ReadSide(command_dsn, query_dsn, query, broker_pid, topic)
    probe = ReadProbe(read_side, command.process.pid, command.port, pg_pid)
    return [
        System("fleetledger", _as_service(command, command_dsn), query.port, [],
               check_fleetledger, fleet_roots, probe),
        System("reference", _as_service(crud, crud_dsn), crud.port, [], check_crud,
               {"service": crud.process.pid, "postgres": pg_pid}),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with ExitStack() as stack:
        sides = start(stack, args)
        runs = loop.run(rounds(args, sides))
    text, ok = render(runs)
    sys.stdout.write(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
