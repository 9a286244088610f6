"""Where a booking's CPU goes: py-spy samples of one command worker under scenario (a) load.

`python -m bench.profile_booking [--code DIR] [--hot] [--seconds 8] [--native] [--raw FILE]`

Starts the embedded PostgreSQL and a command service (1 worker, relay off, as
bench/commands.py does), registers 256 vehicles, drives 32 closed-loop clients booking
on distinct vehicles (with --hot, scenario (b): 64 clients on 4 vehicles, mostly
refusals), and records the worker with py-spy (200 Hz) in the middle of the load.
Prints the share of the worker's main-thread samples per stage of a booking; the
collapsed stacks go to --raw for a flame graph (e.g. inferno or speedscope).
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
from collections import Counter
from pathlib import Path

from bench.commands_report import SLOTS_PER_DAY
from bench.loadgen import LoadResult, run_load
from bench.scenarios import (
    DISTINCT_CLIENTS,
    HOT_CLIENTS,
    HOT_GRID_DAYS,
    HOT_VEHICLES,
    VEHICLES_PER_CLIENT,
    DistinctVehicles,
    HotVehicles,
    add_customers,
    register_vehicles,
)
from bench.stack import HOST, Service, command_service, fresh_database, postgres
from deploy.services import ROOT

PY_SPY = Path(sys.executable).parent / "py-spy"
# Stage → frame substrings; a sample counts for every stage one of its frames matches.
STAGES = {
    "HTTP parse and send (uvicorn, httptools)": ("HttpToolsProtocol.data_received",
                                                 "RequestResponseCycle.send"),
    "token verification": ("TokenVerifier.verify",),
    "request body: FastAPI dependencies, pydantic": ("solve_dependencies",),
    "load: SQL round trip and decoding": ("EventStore.load ",),
    "append: encoding and SQL round trip": ("EventStore.append ",),
    "domain: scope, prune, decide, fold": ("calendar_scope (", "prune (", "decide (", "fold ("),
    "pool acquire and release": ("Pool.acquire", "PoolConnectionHolder.release"),
    "  of which the reset query": ("Connection.reset ",),
    "structlog": ("structlog/",),
    "prometheus_client": ("prometheus_client/",),
}  # fmt: skip


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.profile_booking",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout the service runs")
    parser.add_argument("--hot", action="store_true", help="scenario (b) instead of (a)")
    parser.add_argument("--seconds", type=int, default=8, help="recorded seconds")
    parser.add_argument("--native", action="store_true", help="include C frames (py-spy)")
    parser.add_argument("--raw", type=Path, default=Path("booking-profile.txt"))
    parser.add_argument("--pg-dir", type=Path, default=ROOT / ".fleetledger" / "profile-pg")
    return parser.parse_args(argv)


async def profile(service: Service, args: argparse.Namespace) -> LoadResult:
    """Load for seconds + 6, recording the worker from the 4th second on."""
    factory: DistinctVehicles | HotVehicles
    if args.hot:
        clients = HOT_CLIENTS
        fleet = await register_vehicles(service, HOT_VEHICLES)
        factory = HotVehicles(fleet, HOT_GRID_DAYS * SLOTS_PER_DAY, seed=1)
    else:
        clients = DISTINCT_CLIENTS
        fleet = await register_vehicles(service, DISTINCT_CLIENTS * VEHICLES_PER_CLIENT)
        factory = DistinctVehicles(fleet, clients)
    await add_customers(service.dsn, factory.customers)
    load = asyncio.create_task(
        run_load(HOST, service.port, clients, factory, 1.0, args.seconds + 5)
    )
    await asyncio.sleep(4)
    command = [str(PY_SPY), "record", "-p", str(service.process.pid), "-d", str(args.seconds),
               "-r", "200", "-f", "raw", "-o", str(args.raw)]  # fmt: skip
    command += ["--native"] if args.native else []
    spy = await asyncio.create_subprocess_exec(
        *command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    if await spy.wait() != 0:
        raise RuntimeError("py-spy failed (is ptrace allowed here?)")
    return await load


def summarize(raw: Path) -> list[str]:
    """Share of the main thread's samples per stage, from py-spy's collapsed stacks."""
    total, counts = 0, Counter[str]()
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if "concurrent/futures/thread.py" in stack:  # idle executor threads
            continue
        total += int(n)
        for stage, patterns in STAGES.items():
            if any(p in stack for p in patterns):
                counts[stage] += int(n)
    lines = [f"{total} samples of the worker's main thread (epoll waits included)"]
    lines += [f"{100 * counts[s] / max(total, 1):5.1f} %  {s}" for s in STAGES]
    return lines


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = ROOT / ".fleetledger" / "profile"
    with (
        postgres(args.pg_dir.resolve()) as pg,
        fresh_database(pg, "profile") as dsn,
        command_service(dsn, 1, work, args.code.resolve()) as service,
    ):
        result = asyncio.run(profile(service, args))
    head = f"load: {result.rate:,.0f} bookings/s, p99 {result.percentile_ms(99):.1f} ms"
    sys.stdout.write("\n".join([head, *summarize(args.raw)]) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
