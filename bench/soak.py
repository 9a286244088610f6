"""Soak benchmark: `python -m bench.soak [--minutes 30] [--window-minutes 5]`.

Starts its own embedded PostgreSQL, broker (Tansu, memory storage), command service (with
its relay) and query service (consumer and feed healer as in production) on free
loopback ports, then runs steady mixed load for the whole duration: closed-loop clients
booking consecutive slots on their own vehicles, and closed-loop readers of the vehicles
being booked. After a warm-up, per window, it reports booking throughput and p99, read
p99 and reads/s (the query service's CPU per booking includes the readers'), CPU
milliseconds per booking of each component (from /proc/<pid>/stat of each process and its
children), PostgreSQL WAL KiB per booking, the peak proportional resident memory (PSS)
of each component, its own apart from shared memory (PostgreSQL's buffer cache, shown in
one column) and from PostgreSQL's autovacuum workers (shown in another), sampled every
`--memory-sample-s` seconds, events healed and topic rotations.

Floor (issue 11): the last window's throughput and each component's CPU per booking
within 10 % of the first window's, each component's own memory within 10 % (flat), 0
events healed. Throughput and CPU are judged net of the box's own drift, measured
beside the load by a yardstick (`bench/yardstick.py`); the raw change is printed too.
Not a timed test: a machine shared with other work makes every figure noisy.
Progress goes to stderr, the report to stdout; exit status 1 when the floor is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
from dataclasses import dataclass
from types import SimpleNamespace

import asyncpg

from bench import pipeline_stack as ps
from bench.auth import sign_in
from bench.loadgen import LoadResult, run_load
from bench.process_tree import Memory, peak_memory_mb, tree_cpu_s
from bench.scenarios import DistinctVehicles, add_customers, register_vehicles
from bench.stack import fresh_database, postgres
from bench.yardstick import Yardstick
from deploy.services import ROOT
from shared.kit.kafka_admin import ensure_topic
from shared.kit.logs import configure_logging

WORK = ROOT / ".fleetledger" / "bench-soak"
TOPIC = "fleet.vehicle-events"
TOLERANCE = 0.10


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="total load time")
    parser.add_argument("--window-minutes", type=float, default=5.0, help="report period")
    parser.add_argument("--warmup-minutes", type=float, default=1.0, help="load before window 1")
    parser.add_argument("--booking-clients", type=int, default=8)
    parser.add_argument("--read-clients", type=int, default=4)
    parser.add_argument("--vehicles", type=int, default=400, help="new ones per window")
    parser.add_argument("--heal-interval-ms", type=int, default=5000)
    parser.add_argument("--memory-sample-s", type=float, default=15.0, help="PSS sampling period")
    for name in ("max", "retain"):  # the relay's topic window (default: its own)
        parser.add_argument(f"--kafka-{name}-events", type=int, default=None,
                            help=f"FLEET_KAFKA_{name.upper()}_EVENTS for the relay")  # fmt: skip
    return parser.parse_args(argv)


@dataclass
class Window:
    """What one window measured."""

    index: int
    bookings: LoadResult
    reads: LoadResult
    cpu_s: dict[str, float]
    memory: dict[str, Memory]  # each component's peaks; only `own` is judged
    healed: float
    rotations: float
    wal_bytes: float = 0.0
    yardstick_ms: float = float("nan")  # the box's speed over the window (bench/yardstick.py)

    @property
    def wal_kib_per_booking(self) -> float:
        return self.wal_bytes / 1024 / self.booked if self.booked else float("nan")

    @property
    def booked(self) -> int:
        return self.bookings.count_where(lambda status: status == 201)

    @property
    def throughput(self) -> float:
        return self.booked / self.bookings.window_s if self.bookings.window_s else 0.0

    def cpu_ms_per_booking(self, component: str) -> float:
        return self.cpu_s[component] * 1e3 / self.booked if self.booked else float("nan")


@dataclass
class Readers:
    """Closed-loop readers of the vehicles being booked (GET /v1/vehicles/{id})."""

    vehicles: list[str]
    sent: int = 0

    def __call__(self, client: int) -> tuple[str, str, bytes]:
        self.sent += 1
        return "GET", f"/v1/vehicles/{self.vehicles[self.sent % len(self.vehicles)]}", b""


async def wal_lsn(dsn: str) -> int:
    """PostgreSQL's current WAL position in bytes (WAL per booking tracks write volume: rows
    rewritten whole, index pages split, full-page images after checkpoints)."""
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn"))
    finally:
        await conn.close()


async def window(
    index: int,
    args: argparse.Namespace,
    procs: dict[str, int],
    ports: dict[str, int],
    dsn: str,
    yardstick: Yardstick,
) -> Window:
    """One window of load on fresh vehicles; CPU and metrics are read at its edges.

    Fresh vehicles each window: a vehicle's decision state keeps its future bookings, so
    booking ever further ahead on the same vehicles would grow the work per booking and
    hide what the soak looks for (cost growing with the log, the topic or the tables)."""
    seconds = args.window_minutes * 60
    sign_in(f"http://127.0.0.1:{ports['command']}")  # tokens last 15 min: one per window
    vehicles = await register_vehicles(SimpleNamespace(port=ports["command"]), args.vehicles)
    bookings = DistinctVehicles(vehicles, args.booking_clients)
    await add_customers(dsn, bookings.customers)
    readers = Readers(vehicles=vehicles)
    cpu0 = {name: tree_cpu_s(pid) for name, pid in procs.items()}
    healed0 = await ps.metric_total(ports["query"], "fleet_query_healed_events_total")
    rot0 = await ps.metric_total(ports["command"], "fleet_relay_topic_rotations_total")
    wal0 = await wal_lsn(args.pg_dsn)
    yardstick.take()  # what it read while the window was set up does not count
    booked, read, memory = await asyncio.gather(
        run_load("127.0.0.1", ports["command"], args.booking_clients, bookings, 0, seconds),
        run_load("127.0.0.1", ports["query"], args.read_clients, readers, 0, seconds),
        peak_memory_mb(procs, seconds, args.memory_sample_s),
    )
    cpu = {name: tree_cpu_s(pid) - cpu0[name] for name, pid in procs.items()}
    return Window(
        index,
        booked,
        read,
        cpu,
        memory,
        await ps.metric_total(ports["query"], "fleet_query_healed_events_total") - healed0,
        await ps.metric_total(ports["command"], "fleet_relay_topic_rotations_total") - rot0,
        await wal_lsn(args.pg_dsn) - wal0,
        yardstick.take(),
    )


def row(w: Window, components: list[str]) -> str:
    cpu = " ".join(f"{w.cpu_ms_per_booking(c):7.2f}" for c in components)
    own = " ".join(f"{w.memory[c].own:7.0f}" for c in components)
    shared = sum(m.shared for m in w.memory.values())
    autovacuum = sum(m.autovacuum for m in w.memory.values())
    return (
        f"{w.index:>3} {w.throughput:8.1f} {w.bookings.percentile_ms(99):8.1f}"
        f" {w.reads.percentile_ms(99):8.1f} {w.reads.rate:7.0f} {w.yardstick_ms:7.2f}"
        f" | {cpu} {w.wal_kib_per_booking:7.2f} | {own} {shared:7.0f} {autovacuum:7.0f}"
        f" | {w.healed:6.0f} {w.rotations:4.0f}"
    )


def report(windows: list[Window], components: list[str]) -> tuple[str, bool]:
    """The table and the floor verdict (last window against the first)."""
    names = " ".join(f"{c[:7]:>7}" for c in components)
    header = (
        f"win  book/s  p99 ms  read99  read/s yard ms | CPU ms/booking {names} WAL KiB"
        f" | peak own PSS MiB {names}  shared autovac | healed rot"
    )
    lines = [header, *(row(w, components) for w in windows)]
    first, last = windows[0], windows[-1]
    slower = box_slowdown(first, last)
    pace = f"{abs(slower - 1):.1%} {'slower' if slower >= 1 else 'faster'}"
    lines.append(f"yardstick {first.yardstick_ms:.2f} -> {last.yardstick_ms:.2f} ms: the box ran"
                 f" {pace}; CPU and throughput are judged net of that")  # fmt: skip
    throughput = last.throughput * slower / first.throughput - 1
    checks = {f"throughput {_change(last.throughput / first.throughput - 1, throughput)}": (
        abs(throughput) <= TOLERANCE
    )}  # fmt: skip
    for c in components:
        raw = last.cpu_ms_per_booking(c) / first.cpu_ms_per_booking(c) - 1
        judged = (raw + 1) / slower - 1
        checks[f"cpu per booking: {c} {_change(raw, judged)}"] = judged <= TOLERANCE
        checks[f"memory flat: {c}"] = last.memory[c].own <= first.memory[c].own * (1 + TOLERANCE)
    checks["0 events healed"] = sum(w.healed for w in windows) == 0
    checks["no 5xx"] = not any(w.bookings.count_where(lambda s: s >= 500) for w in windows)
    lines += [f"{'met   ' if ok else 'MISSED'} {name}" for name, ok in checks.items()]
    met = all(checks.values())
    lines.append(f"floor {'met' if met else 'missed'} (last window against the first)")
    return "\n".join(lines) + "\n", met


def box_slowdown(first: Window, last: Window) -> float:
    """How much longer the yardstick's unit took in the last window than in the first
    (1.0 without readings). On a shared machine the same code's CPU per booking drifts
    with the box over 30 minutes; this is what a figure is judged net of."""
    ratio = last.yardstick_ms / first.yardstick_ms
    return ratio if math.isfinite(ratio) and ratio > 0 else 1.0


def _change(raw: float, judged: float) -> str:
    return f"({raw:+.1%}; {judged:+.1%} for the box's speed)"


async def soak(
    args: argparse.Namespace, procs: dict[str, int], ports: dict[str, int], dsn: str
) -> bool:
    """Warm up, then measure window after window on the command database `dsn`."""
    warmup = argparse.Namespace(**{**vars(args), "window_minutes": args.warmup_minutes})
    windows: list[Window] = []
    count = max(1, round(args.minutes / args.window_minutes))
    async with Yardstick() as yardstick:
        await window(0, warmup, procs, ports, dsn, yardstick)  # caches, pools, first rotation
        for index in range(1, count + 1):
            windows.append(await window(index, args, procs, ports, dsn, yardstick))
            sys.stderr.write(row(windows[-1], list(procs)) + "\n")
    text, met = report(windows, list(procs))
    sys.stdout.write(text)
    return met


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    configure_logging("WARNING")
    relay = {"FLEET_KAFKA_MAX_EVENTS": args.kafka_max_events,
             "FLEET_KAFKA_RETAIN_EVENTS": args.kafka_retain_events}  # fmt: skip
    extra = {name: str(value) for name, value in relay.items() if value is not None}
    heal = {"FLEET_QUERY_HEAL_INTERVAL_MS": str(args.heal_interval_ms)}
    with (
        postgres(WORK / "postgres") as pg,
        fresh_database(pg, "soak_cmd") as command_dsn,
        fresh_database(pg, "soak_query") as query_dsn,
        ps.broker(WORK) as broker,
    ):
        asyncio.run(ensure_topic(broker.bootstrap, TOPIC, ps.PARTITIONS))
        with (
            ps.command_service("command", command_dsn, WORK / "command", broker.bootstrap,
                               TOPIC, extra_env=extra) as command,
            ps.query_service("query", query_dsn, WORK / "query", command.url, broker.bootstrap,
                             TOPIC, extra_env=heal) as query,
        ):  # fmt: skip
            assert pg.process is not None and broker.process is not None
            procs = {
                "command": command.process.pid,
                "query": query.process.pid,
                "broker": broker.process.pid,
                "postgres": pg.process.pid,
            }
            ports = {"command": command.port, "query": query.port}
            args.pg_dsn = pg.dsn()
            met = asyncio.run(soak(args, procs, ports, command_dsn))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
