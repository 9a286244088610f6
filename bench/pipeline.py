"""Read-pipeline benchmark: `python -m bench.pipeline [--only PHASE] [--events N] [--quick]`.

Starts its own embedded PostgreSQL, Kafka-protocol broker (Tansu, memory storage), command
and query services on free loopback ports and prints:
  visibility    command 201 -> booking visible in the query API, p50/p95/p99, at a
                steady open-loop command rate (default 200/s);
  relay         events/s the relay publishes from a seeded event log (>= --events);
  rebuild       events/s of query_service.rebuild over that log, and again over the
                whole availability fleet;
  availability  GET /v1/availability p50/p99 with 32 closed-loop readers over 5,000
                vehicles and 500,000 bookings (seeded into the event store, projected
                by the rebuild).
Progress goes to stderr, the report to stdout. Exit status 1 when a correctness check
fails (a non-201 command, a booking never visible, the relay or rebuild short of the
log, a non-200 read), 0 otherwise, whether or not the targets are met.
"""

from __future__ import annotations

import argparse
import math
import signal
import sys
import time
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from pathlib import Path

from bench import pipeline_report, stack
from bench import pipeline_stack as ps
from bench.pipeline_log import (
    RelayResult,
    count_on_topic,
    measure_rebuild,
    meter_for,
    watch_relay,
)
from bench.pipeline_reads import read_load, sanity_check
from bench.pipeline_report import Outcome, ReadRun
from bench.pipeline_seed import FleetPlan, plan_for, seed
from bench.pipeline_visibility import VisibilityConfig, run_visibility
from bench.scenarios import add_customers
from deploy.broker import EmbeddedBroker
from deploy.postgres import EmbeddedPostgres
from deploy.services import ROOT
from shared.kit import loop
from shared.kit.kafka_admin import ensure_topic
from shared.kit.logs import configure_logging

PHASES = ("visibility", "relay", "rebuild", "availability")
WORK = ROOT / ".fleetledger" / "bench-pipeline"
RELAY_TIMEOUT_S = 600.0


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.pipeline",
        description=__doc__,
        formatter_class=pipeline_report.HelpFormatter,
    )
    add = parser.add_argument
    add("--only", choices=PHASES, help="run one phase only")
    add("--events", type=int, default=200_000, help="relay/rebuild: events in the log (at least)")
    add("--quick", action="store_true", help="a small smoke run (< 1 min): figures not comparable")
    add("--rate", type=float, default=200.0, help="visibility: bookings per second (open loop)")
    add("--duration", type=float, default=20.0, help="visibility: measured seconds")
    add("--cross-check", type=float, default=0.05, help="visibility: share also polled by id")
    add("--vehicles", type=int, default=5000, help="availability: fleet size")
    add("--bookings", type=int, default=100, help="availability: bookings per vehicle")
    add("--readers", type=int, default=32, help="availability: concurrent closed-loop readers")
    add("--read-duration", type=float, default=15.0, help="availability: measured seconds")
    add("--warmup", type=float, default=3.0, help="visibility and availability: warm-up seconds")
    add("--command-workers", type=int, default=1, help="uvicorn workers of the command service")
    add("--query-workers", type=int, default=1, help="uvicorn workers of the query service")
    add("--pg-dir", type=Path, default=WORK / "pg", help="embedded PostgreSQL data directory")
    for side in ("command", "query"):
        add(f"--{side}-env", action="append", default=[], metavar="KEY=VALUE",
            help=f"extra environment of the {side} service (repeatable)")  # fmt: skip
    args = parser.parse_args(argv)
    for side in ("command", "query"):
        pairs = getattr(args, f"{side}_env")
        if not all("=" in pair for pair in pairs):
            parser.error(f"--{side}-env takes KEY=VALUE")
        setattr(args, f"{side}_env", dict(pair.split("=", 1) for pair in pairs))
    if args.quick:
        args.events, args.duration, args.vehicles, args.bookings = 10_000, 4.0, 300, 30
        args.read_duration, args.warmup = 4.0, 1.0
    if min(args.events, args.vehicles, args.bookings, args.readers, args.rate) < 1:
        parser.error("--events, --vehicles, --bookings, --readers, --rate must be positive")
    if not 0 <= args.cross_check <= 1:
        parser.error("--cross-check must lie in [0, 1]")
    args.pg_dir = args.pg_dir.resolve()
    return args


class Bench:
    """One invocation: arguments, the database server, the clock and what was measured."""

    def __init__(self, args: argparse.Namespace, pg: EmbeddedPostgres, out: Outcome) -> None:
        self.args, self.pg, self.out = args, pg, out
        self.started = time.monotonic()
        self.plan: FleetPlan = plan_for(args.bookings)
        self.stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")

    def wants(self, phase: str) -> bool:
        return self.args.only in (None, phase)

    def progress(self, text: str) -> None:
        sys.stderr.write(f"[{time.monotonic() - self.started:6.1f}s] {text}\n")
        sys.stderr.flush()

    @property
    def pg_pid(self) -> int:
        assert self.pg.process is not None
        return self.pg.process.pid

    def command(
        self, name: str, dsn: str, bootstrap: str = "", topic: str = ""
    ) -> AbstractContextManager[ps.Proc]:
        args = self.args
        return ps.command_service(name, dsn, WORK, bootstrap, topic, args.command_workers,
                                  args.command_env)  # fmt: skip

    def query(
        self, name: str, dsn: str, command_url: str, bootstrap: str = "", topic: str = ""
    ) -> AbstractContextManager[ps.Proc]:
        args = self.args
        return ps.query_service(name, dsn, WORK, command_url, bootstrap, topic,
                                args.query_workers, args.query_env)  # fmt: skip

    def timed(self, phase: str, began: float) -> None:
        self.out.phase_s[phase] = self.out.phase_s.get(phase, 0.0) + time.monotonic() - began


def broker_pid(broker: EmbeddedBroker) -> int:
    assert broker.process is not None
    return int(broker.process.pid)


def phase_visibility(bench: Bench, broker: EmbeddedBroker) -> None:
    args, began = bench.args, time.monotonic()
    topic = f"bench.visibility.{bench.stamp}"
    loop.run(ensure_topic(broker.bootstrap, topic, ps.PARTITIONS))
    with (
        stack.fresh_database(bench.pg, "pipe_vis_cmd") as command_dsn,
        stack.fresh_database(bench.pg, "pipe_vis_query") as query_dsn,
        bench.command("command-visibility", command_dsn, broker.bootstrap, topic) as command,
        bench.query("query-visibility", query_dsn, command.url, broker.bootstrap, topic) as query,
    ):
        bench.out.logs += [command.log_path, query.log_path]
        meter = meter_for(command, bench.pg_pid, query=query.process.pid, broker=broker_pid(broker))
        vehicles = max(16, int(args.rate * 2))
        cfg = VisibilityConfig(args.rate, args.warmup, args.duration, vehicles)
        cfg.cross_check = args.cross_check
        loop.run(add_customers(command_dsn, [cfg.customer]))
        bench.progress(
            f"visibility: {args.rate:g} bookings/s for {args.warmup + args.duration:g} s"
        )
        result = loop.run(run_visibility(cfg, stack.HOST, command.port, query.port, meter))
        bench.out.visibility, bench.out.visibility_cpu = result, dict(meter.used_s)
        bench.out.published_at = loop.run(ps.booking_publish_times(broker.bootstrap, topic))
    bench.timed("visibility", began)
    bench.progress(f"visibility: p99 {pipeline_report.p(result.visible_ms, 99):.1f} ms")


def phase_log(bench: Bench, broker: EmbeddedBroker | None) -> None:
    """Seed the log; relay, rebuild; then grow it to the full fleet for availability."""
    args, plan = bench.args, bench.plan
    log_vehicles = math.ceil(args.events / plan.events_per_vehicle)
    small = bench.wants("relay") or bench.wants("rebuild")
    first = log_vehicles if small else 0
    with stack.fresh_database(bench.pg, "pipe_log_cmd") as command_dsn:
        if small:
            _seed(bench, command_dsn, 0, log_vehicles)
        if bench.wants("relay") and broker is not None:
            phase_relay(bench, command_dsn, broker)
        if bench.wants("rebuild"):
            _rebuild(bench, command_dsn, "rebuild")
        if bench.wants("availability"):
            _seed(bench, command_dsn, first, max(args.vehicles - first, 0))
            phase_availability(bench, command_dsn)


def _seed(bench: Bench, dsn: str, first: int, count: int) -> None:
    if count <= 0:
        return
    began = time.monotonic()
    bench.progress(f"seeding vehicles {first}..{first + count - 1} into the event store")
    result = loop.run(seed(dsn, bench.plan, first, count))
    bench.out.seeds.append(result)
    bench.timed("seeding", began)
    bench.progress(f"seeded {result.events:,} events in {result.seconds:.1f} s")


def phase_relay(bench: Bench, command_dsn: str, broker: EmbeddedBroker) -> None:
    began = time.monotonic()
    topic = f"bench.relay.{bench.stamp}"
    expected = sum(s.events for s in bench.out.seeds)
    bench.progress(f"relay: publishing {expected:,} events")
    started = time.perf_counter()
    with bench.command("command-relay", command_dsn, broker.bootstrap, topic) as command:
        bench.out.logs.append(command.log_path)
        meter = meter_for(command, bench.pg_pid, broker=broker_pid(broker))
        result: RelayResult = loop.run(
            watch_relay(command, started, expected, meter, RELAY_TIMEOUT_S)
        )
    loop.run(count_on_topic(result, broker.bootstrap, topic))
    bench.out.relay = result
    bench.timed("relay", began)
    bench.progress(f"relay: {result.rate:,.0f} events/s")


def _rebuild(bench: Bench, command_dsn: str, label: str) -> None:
    """Rebuild the log into a fresh query database (dropped afterwards)."""
    began = time.monotonic()
    with (
        bench.command(f"command-{label}", command_dsn) as command,
        stack.fresh_database(bench.pg, f"pipe_{label}_query") as query_dsn,
    ):
        bench.out.logs.append(command.log_path)
        bench.progress(f"{label}: replaying the log")
        bench.out.expected[label] = sum(s.events for s in bench.out.seeds)
        meter = meter_for(command, bench.pg_pid)
        result = loop.run(measure_rebuild(query_dsn, command, meter))  # as `make rebuild`
    bench.out.rebuilds[label] = result
    bench.timed(label, began)
    bench.progress(f"{label}: {result.events:,} events at {result.rate:,.0f}/s")


def phase_availability(bench: Bench, command_dsn: str) -> None:
    args = bench.args
    with stack.fresh_database(bench.pg, "pipe_reads_query") as query_dsn:
        began = time.monotonic()
        # The command service stays up during the reads: it publishes the JWKS the query
        # service checks the readers' tokens against.
        with bench.command("command-availability", command_dsn) as command:
            bench.out.logs.append(command.log_path)
            bench.progress("availability: projecting the fleet with a rebuild")
            bench.out.expected["rebuild-fleet"] = sum(s.events for s in bench.out.seeds)
            meter = meter_for(command, bench.pg_pid)
            bench.out.rebuilds["rebuild-fleet"] = loop.run(
                measure_rebuild(query_dsn, command, meter)
            )
            bench.timed("rebuild-fleet", began)
            began = time.monotonic()
            with bench.query("query-availability", query_dsn, command.url) as query:
                bench.out.logs.append(query.log_path)
                bench.out.sanity = loop.run(sanity_check(query.port, bench.plan))
                bench.progress(f"availability: {args.readers} readers for {args.read_duration:g} s")
                meter = meter_for(query, bench.pg_pid)
                load = loop.run(read_load(query.port, bench.plan, args.readers, args.warmup,
                                           args.read_duration, meter))  # fmt: skip
                bench.out.reads = ReadRun(args.query_workers, load, dict(meter.used_s),
                                          meter.connections)  # fmt: skip
        bench.timed("availability", began)
        bench.progress(f"availability: p99 {load.percentile_ms(99):.1f} ms")


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    """SIGTERM unwinds like Ctrl-C, so the `finally` blocks stop what we started."""
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    configure_logging("WARNING")
    out = Outcome(started_at=datetime.now(UTC), code=pipeline_report.code_version())
    with stack.postgres(args.pg_dir) as pg:
        bench = Bench(args, pg, out)
        out.pg_facts = loop.run(pipeline_report.server_facts(pg.dsn("postgres")))
        needs_broker = bench.wants("visibility") or bench.wants("relay")
        with ps.broker(WORK / "broker") if needs_broker else nullcontext() as broker:
            if bench.wants("visibility"):
                assert broker is not None
                phase_visibility(bench, broker)
            if any(bench.wants(p) for p in ("relay", "rebuild", "availability")):
                phase_log(bench, broker)
        out.total_s = time.monotonic() - bench.started
    text, ok = pipeline_report.render(args, argv, out, bench.plan)
    sys.stdout.write(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
