"""The report of bench.commands: header, tables, targets and the issue-9 floor lines."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from pathlib import Path
from statistics import median
from typing import TYPE_CHECKING

from bench import pipeline_stack, read_side, report
from bench.report import LoadRun, Results

if TYPE_CHECKING:
    from bench.commands import Bench

SLOTS_PER_DAY = 12  # (b): 2-hour slots
POOL = (("MIN", "4"), ("MAX", "16"))  # the service's pool size variables and their defaults
FLOOR_A = 800  # bookings/s of (a) with the pipeline on (issue 9)


def header(bench: Bench, pg_facts: str, argv: list[str]) -> list[str]:
    args = bench.args
    command = shlex.join([Path(sys.executable).name, "-m", "bench.commands", *argv])
    pool = "{}..{}".format(*(os.environ.get(f"FLEET_COMMAND_POOL_{k}", d) for k, d in POOL))
    return [
        "Fleetledger command-side benchmark (bench/commands.py)",
        f"started:  {bench.started_at.strftime('%Y-%m-%d %H:%M:%S')} UTC",
        f"command:  {command}",
        *report.machine_lines(),
        f"postgres: embedded (pgserver), data {args.pg_dir}, fresh database per service; "
        f"{pg_facts}",
        f"code:     {bench.code} (at the start)",
        "service:  uvicorn --loop uvloop --http httptools --no-access-log, asyncpg pool "
        f"{pool} per worker, {'relay on' if args.pipeline else 'no Kafka relay'}; the "
        "services logged at WARNING (FLEET_LOG_LEVEL=WARNING)",
        *(pipeline_lines(args) if args.pipeline else []),
        f"client:   closed-loop keep-alive HTTP/1.1 over asyncio (bench/loadgen.py), same box, "
        f"loopback; warm-up {args.warmup:g} s, window {args.duration:g} s, {args.runs} run(s)",
        "cores:    average CPU cores busy in the window: service (all workers) / postgres / "
        + ("client / query service / broker / " if args.pipeline else "client / ")
        + "anything else on the box; 'win/all': in the window / incl. warm-up;",
        "          'conns': client connections held by each service worker (kernel's choice)",
    ]


def pipeline_lines(args: argparse.Namespace) -> list[str]:
    return [
        "pipeline: relay in the command service's process (a lifespan task of the worker "
        f"holding the relay lock, NOTIFY-woken, poll fallback {pipeline_stack.RELAY_POLL_MS} "
        "ms) -> embedded Tansu broker (memory storage), one fresh topic of "
        f"{pipeline_stack.PARTITIONS} partitions per service -> query service (1 uvicorn "
        "worker, consuming, healer every "
        f"{pipeline_stack.HEAL_INTERVAL_MS / 1e3:g} s) into its own fresh database; after "
        f"each run the projection is given up to {args.drain_timeout:g} s to catch up",
    ]


def render(bench: Bench, pg_facts: str, argv: list[str], logs: list[Path]) -> tuple[str, bool]:
    """The whole report and whether every correctness check passed."""
    args, res = bench.args, bench.results
    lines = [*header(bench, pg_facts, argv), ""]
    summary: list[str] = []
    if res.a:
        lines += [
            f"(a) distinct vehicles: 32 clients, {32 * args.vehicles_per_client} fresh "
            f"vehicles per run ({args.vehicles_per_client} per client, round robin), "
            "consecutive 1-hour windows; every answer should be 201. 'booked/vehicle': "
            "bookings per vehicle at the end (its snapshot grows with them). " + report.TARGET_A
        ]
        table, lines_a = report.section_a(res.a)
        lines += [*table, ""]
        summary += lines_a
    if res.b:
        lines += [
            f"(b) hot vehicles: 64 clients, 4 fresh vehicles per run, random 2-hour slot "
            f"of a {args.grid_days}-day grid ({args.grid_days * SLOTS_PER_DAY} slots "
            "per vehicle); decisions = 201 + 409. 'live=201s': live bookings in the "
            "event store = 201s answered (incl. warm-up); 'retries': appends that lost the "
            "version check (service metric, incl. warm-up). " + report.TARGET_B
        ]
        table, lines_b = report.section_b(res.b)
        lines += [*table, ""]
        summary += lines_b
    if bench.reads:
        lines += [
            "read side (--pipeline), per run from the scenario's start (before its vehicles "
            "are registered) until the query service caught up: 'stored': events appended; "
            "'proj@end': of those, projected when the window closed; 'behind@end': store "
            "minus projected then; 'projected': by the end of the drain ('drain s' after the "
            "load stopped; 'span s' is the whole interval). CPU per projected event over the "
            "span: query service ('qry'), PostgreSQL backends of the query database ('qdb'), "
            "their sum ('read'), broker ('brk'), command service incl. the relay ('cmd')."
        ]
        table, lines_r = read_side.section(bench.reads, args.drain_timeout)
        lines += [*table, ""]
        summary += _floor_lines(res.a) + lines_r
    if res.c:
        lines += [
            "(c) stream length: one vehicle seeded with 10,000 events and one with 10 "
            "(history in the past), then sequential bookings alternating between them "
            f"({args.c_bookings} each, workers=1); latencies in ms. " + report.TARGET_C
        ]
        table, lines_c = report.section_c(res.c)
        lines += [*table, ""]
        summary += lines_c
    if res.d:
        lines += [
            "(d) calendar length: one vehicle seeded with 500 future bookings and one with 10, "
            "then sequential bookings in the gaps, alternating between them "
            f"({args.d_bookings} each, workers=1); latencies in ms. " + report.TARGET_D
        ]
        table, lines_d = report.section_d(res.d)
        lines += [*table, ""]
        summary += lines_d
    lines += ["summary (medians over runs):", *(f"  {s}" for s in summary)]
    lines += [
        "service logs (WARNING and above):",
        *report.log_summary(logs),
        f"total time: {time.monotonic() - bench.started:.0f} s",
    ]
    return "\n".join(lines) + "\n", correct(res)


def _floor_lines(runs: list[LoadRun]) -> list[str]:
    """(a) with the pipeline on against the floor of issue 9, per worker count."""
    lines = []
    for workers in sorted({r.workers for r in runs}):
        group = [r.result for r in runs if r.workers == workers]
        rate = median(x.rate for x in group)
        p99 = median(x.percentile_ms(99) for x in group)
        verdict = "MEETS" if rate >= FLOOR_A else "MISSES"
        lines.append(
            f"(a) workers={workers} with the pipeline on: {rate:,.0f} bookings/s, p99 "
            f"{p99:.1f} ms -> {verdict} floor >= {FLOOR_A} bookings/s"
        )
    return lines


def correct(res: Results) -> bool:
    """No non-201 in (a); no 5xx, no overlap, live bookings = 201s in (b); only 201 in (c), (d)."""
    a_ok = all(set(r.result.all_statuses) <= {201} for r in res.a)
    b_ok = all(
        r.check is not None
        and r.check.overlapping_pairs == 0
        and r.check.confirmed == r.result.all_statuses[201]
        and not any(s >= 500 for s in r.result.all_statuses)
        for r in res.b
    )
    c_ok = all(set(c.statuses) == {201} for c in res.c + res.d)
    return a_ok and b_ok and c_ok
