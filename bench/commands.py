"""Command-side benchmark: `python -m bench.commands [--runs N] [--duration S] [--only a|b|c|d]`.

Starts its own embedded PostgreSQL and command service (1, then 2 uvicorn workers) on
free loopback ports, drives them over HTTP and prints throughput and latency of
(a) bookings on distinct vehicles, (b) 64 clients racing for 4 hot vehicles, and
(c) the latency ratio of a booking on a 10,000-event versus a 10-event stream, and
(d) that of a booking on a vehicle with 500 future bookings versus one with 10.
Exit status 1 when a correctness check fails (non-201 in (a), 5xx or overlap in (b)).

--pipeline: (a) and (b) with the whole system running: the relay (in the command
service), the embedded broker and a consuming query service; it also reports the events
projected, the drain after each run and CPU per projected event (bench/read_side.py).
--code DIR: load the services from another checkout (e.g. the code before a change).
--quick: a smoke run (1 run, 5 s window, 1 s warm-up unless given): not of record.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from contextlib import AsyncExitStack, ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from bench import pipeline_stack, read_side, report, stack
from bench.calendar_length import calendar_length
from bench.commands_report import SLOTS_PER_DAY, render
from bench.loadgen import WindowHook
from bench.read_side import ReadProbe, ReadRun, ReadSide
from bench.report import LoadRun, Results
from bench.scenarios import (
    DISTINCT_CLIENTS,
    HOT_CLIENTS,
    HOT_GRID_DAYS,
    HOT_VEHICLES,
    VEHICLES_PER_CLIENT,
    ScenarioConfig,
    distinct_vehicles,
    hot_vehicles,
)
from bench.stack import CpuMeter, Service
from bench.stream_length import stream_length
from deploy.broker import EmbeddedBroker
from deploy.postgres import EmbeddedPostgres
from deploy.services import ROOT
from shared.kit import loop
from shared.kit.kafka_admin import ensure_topic
from shared.kit.logs import configure_logging

QUICK = {"runs": 1, "duration": 5.0, "warmup": 1.0}  # --quick: defaults of a smoke run


class _HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Keeps the module docstring's line breaks and shows every default."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.commands",
        description=__doc__,
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per scenario (median shown)")
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds per run")
    parser.add_argument("--only", choices=["a", "b", "c", "d"], help="run one scenario only")
    parser.add_argument("--workers", default="1,2", help="uvicorn worker counts for (a), (b)")
    parser.add_argument(
        "--vehicles-per-client", type=int, default=VEHICLES_PER_CLIENT, help="(a) fleet size"
    )
    parser.add_argument(
        "--grid-days", type=int, default=HOT_GRID_DAYS, help="(b) days of 2-hour slots"
    )
    parser.add_argument("--c-bookings", type=int, default=300, help="(c) bookings per stream")
    parser.add_argument(
        "--d-bookings", type=int, default=300, help="(d) bookings per vehicle (at most 3000)"
    )
    parser.add_argument(
        "--pg-dir",
        type=Path,
        default=ROOT / ".fleetledger" / "bench-pg",
        help="embedded PostgreSQL data directory (initdb on first use)",
    )
    parser.add_argument(
        "--pipeline",
        action="store_true",
        help="(a), (b) with relay, broker and a consuming query service running",
    )
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=60.0,
        help="--pipeline: at most this long after each run for the projection to catch up",
    )
    parser.add_argument(
        "--code",
        type=Path,
        default=ROOT,
        help="the checkout the services are loaded from (its own directory on PYTHONPATH)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: --runs 1 --duration 5 --warmup 1 unless given; not of record",
    )
    if "--quick" in (argv or []):
        parser.set_defaults(**QUICK)
    args = parser.parse_args(argv)
    if min(args.runs, args.vehicles_per_client, args.c_bookings) < 1 or args.duration <= 0:
        parser.error("--runs, --duration, --vehicles-per-client, --c-bookings must be positive")
    if not 1 <= args.d_bookings <= 3000:
        parser.error("--d-bookings must lie in 1..3000 (they fit the gaps of the calendar)")
    if args.pipeline and args.only in ("c", "d"):
        parser.error("--pipeline runs (a) and (b) only")
    if not 0 < args.drain_timeout <= 600:
        parser.error("--drain-timeout must lie in (0, 600] seconds")
    args.code = args.code.resolve()
    for module in ("command_service/api/app.py", "query_service/app.py"):
        if not (args.code / module).is_file():
            parser.error(f"--code {args.code}: no {module} there")
    if not 1 <= args.grid_days <= 360:
        parser.error("--grid-days must lie in 1..360 (bookings start at most 365 days ahead)")
    if not all(w.strip().isdigit() and int(w) > 0 for w in args.workers.split(",")):
        parser.error("--workers takes a comma-separated list of positive integers")
    args.pg_dir = args.pg_dir.resolve()  # postgres runs inside its data directory
    return args


@dataclass
class Bench:
    """One invocation: its arguments, the server, what it measured and its clock."""

    args: argparse.Namespace
    pg: EmbeddedPostgres
    results: Results
    started: float
    started_at: datetime
    code: str  # the commit (and tree state) at the start: the services load it then
    reads: list[ReadRun] = field(default_factory=list)  # --pipeline only
    broker: EmbeddedBroker | None = None  # --pipeline only

    def wants(self, scenario: str) -> bool:
        """Whether `--only` (and `--pipeline`: no (c), (d)) leaves this scenario in."""
        single = scenario in ("c", "d")
        return self.args.only in (None, scenario) and not (self.args.pipeline and single)

    def progress(self, text: str) -> None:
        elapsed = time.monotonic() - self.started
        sys.stderr.write(f"[{elapsed:6.1f}s] {text}\n")
        sys.stderr.flush()


def _worker_counts(args: argparse.Namespace) -> list[int]:
    """Services to start: the asked worker counts for (a), (b); workers=1 for (c), (d)."""
    single = args.only in ("c", "d")
    counts = set() if single else {int(w) for w in args.workers.split(",")}
    if (args.only is None or single) and not args.pipeline:
        counts.add(1)
    return sorted(counts)


async def _phase(bench: Bench, service: Service, side: ReadSide | None = None) -> None:
    """Every run of every wanted scenario against one running service (and read side)."""
    args, w = bench.args, service.workers
    workers_wanted = w in {int(x) for x in args.workers.split(",")}
    assert bench.pg.process is not None
    roots = {"service": service.process.pid, "postgres": bench.pg.process.pid}
    if side is not None:
        roots |= {"query": side.query.process.pid, "broker": side.broker_pid}
    a_cfg = ScenarioConfig(DISTINCT_CLIENTS, DISTINCT_CLIENTS * args.vehicles_per_client,
                           args.warmup, args.duration)  # fmt: skip
    b_cfg = ScenarioConfig(HOT_CLIENTS, HOT_VEHICLES, args.warmup, args.duration,
                           args.grid_days * SLOTS_PER_DAY)  # fmt: skip
    async with AsyncExitStack() as probes:
        probe = None
        if side is not None:
            probe = ReadProbe(side, service.process.pid, service.port, roots["postgres"])
            await probes.enter_async_context(probe)
        for run in range(1, args.runs + 1):
            if bench.wants("a") and workers_wanted:
                meter = CpuMeter(roots, service.port)
                result = await distinct_vehicles(service, a_cfg, await _hook(probe, meter))
                row = LoadRun(w, run, result, meter.used_s, a_cfg.vehicles, meter.connections)
                bench.results.a.append(row)
                await _after_run(bench, probe, "a", row)
            if bench.wants("b") and workers_wanted:
                meter = CpuMeter(roots, service.port)
                hook = await _hook(probe, meter)
                result, check = await hot_vehicles(service, b_cfg, hook, seed=run)
                row = LoadRun(w, run, result, meter.used_s, b_cfg.vehicles, meter.connections,
                              check)  # fmt: skip
                bench.results.b.append(row)
                await _after_run(bench, probe, "b", row)
            if bench.wants("c") and w == 1:
                c = await stream_length(service, args.c_bookings, args.warmup)
                bench.results.c.append(c)
                bench.progress(f"(c) run {run}: ratio {c.ratio:.2f}")
            if bench.wants("d") and w == 1:
                d = await calendar_length(service, args.d_bookings, args.warmup)
                bench.results.d.append(d)
                bench.progress(f"(d) run {run}: ratio {d.ratio:.2f}")


async def _hook(probe: ReadProbe | None, meter: CpuMeter) -> WindowHook:
    """The window hook of a run; with the pipeline on, the read side's run starts here."""
    if probe is None:
        return meter
    await probe.begin()
    return probe.window_hook(meter)


async def _after_run(bench: Bench, probe: ReadProbe | None, scenario: str, row: LoadRun) -> None:
    """Progress line; with the pipeline on, wait for the projection to catch up first."""
    x = row.result
    bench.progress(
        f"({scenario}) workers={row.workers} run {row.run}: {x.rate:,.0f}/s, "
        f"p99 {x.percentile_ms(99):.1f} ms"
    )
    if probe is None:
        return
    read = await probe.finish(scenario, row.workers, row.run, bench.args.drain_timeout)
    bench.reads.append(read)
    state = "caught up" if read.caught_up else "NOT caught up"
    bench.progress(
        f"({scenario}) workers={row.workers} run {row.run}: read side {state} after "
        f"{read.drain_s:.1f} s, {read.projected:,}/{read.stored:,} events projected, "
        f"{read.read_ms:.3f} ms CPU per event"
    )


async def _server_facts(dsn: str) -> str:
    conn = await asyncpg.connect(dsn)
    try:
        names = ("server_version", "fsync", "synchronous_commit", "shared_buffers")
        values = [await conn.fetchval(f"SHOW {name}") for name in names]
    finally:
        await conn.close()
    return ", ".join(f"{n}={v}" for n, v in zip(names, values, strict=True))


def _start(
    bench: Bench, workers: int, work_dir: Path, running: ExitStack
) -> tuple[Service, ReadSide | None]:
    """Command service (and with --pipeline: its relay's topic and a consuming query
    service), each on a fresh database; `running` stops them by PID in reverse order."""
    args, broker = bench.args, bench.broker
    dsn = running.enter_context(stack.fresh_database(bench.pg, f"bench_w{workers}"))
    relay_env: dict[str, str] = {}
    topic = f"bench.commands.w{workers}.{bench.started_at.strftime('%Y%m%d%H%M%S')}"
    if broker is not None:
        loop.run(ensure_topic(broker.bootstrap, topic, pipeline_stack.PARTITIONS))
        relay_env = {
            "FLEET_KAFKA_BOOTSTRAP": broker.bootstrap,
            "FLEET_KAFKA_TOPIC": topic,
            "FLEET_KAFKA_PARTITIONS": str(pipeline_stack.PARTITIONS),
            "FLEET_RELAY_POLL_MS": str(pipeline_stack.RELAY_POLL_MS),
        }
    service = running.enter_context(
        stack.command_service(dsn, workers, work_dir, args.code, relay_env)
    )
    bench.progress(f"command service up: workers={workers}, port {service.port}")
    if broker is None:
        return service, None
    assert broker.process is not None
    query_dsn = running.enter_context(stack.fresh_database(bench.pg, f"bench_q{workers}"))
    side = running.enter_context(
        read_side.read_side(
            service, query_dsn, broker.process.pid, broker.bootstrap, topic, work_dir, args.code
        )
    )
    bench.progress(f"query service up: consuming {topic}, port {side.query.port}")
    return service, side


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    """SIGTERM unwinds like Ctrl-C, so the `finally` blocks stop what we started."""
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    configure_logging("WARNING")
    work_dir = ROOT / ".fleetledger" / "bench"
    logs: list[Path] = []
    started, started_at = time.monotonic(), datetime.now(UTC)
    code = report.code_version(args.code) + f" in {args.code}"
    with stack.postgres(args.pg_dir) as pg, ExitStack() as outer:
        bench = Bench(args, pg, Results(), started, started_at, code)
        pg_facts = loop.run(_server_facts(pg.dsn("postgres")))
        if args.pipeline:
            bench.broker = outer.enter_context(pipeline_stack.broker(work_dir / "broker"))
            bench.progress(f"broker up: {bench.broker.bootstrap}")
        for workers in _worker_counts(args):
            with ExitStack() as running:
                service, side = _start(bench, workers, work_dir, running)
                logs += [service.log_path, *([side.query.log_path] if side else [])]
                loop.run(_phase(bench, service, side))
        text, ok = render(bench, pg_facts, argv, logs)
    sys.stdout.write(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
