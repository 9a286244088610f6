"""Pricing benchmark: `python -m bench.pricing [--runs N] [--duration S] [--quick]`.

An A/B run back to back on one machine: the same command service and fleet, first with
no pricing policy (every vehicle priced by its own rates), then with one policy (rate
table, a season, demand tiers, extras) matching the whole fleet. Each side runs on a fresh
database and prints the latency (p50, p99) of POST /v1/quotes and the throughput of
bookings on distinct vehicles (scenario (a) of bench/commands.py). Exit status 1 when a
quote or booking is not answered 201.
--quick: a smoke run (1 run, 5 s window, 1 s warm-up): not of record.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
from contextlib import ExitStack
from pathlib import Path

import orjson

from bench import stack
from bench.loadgen import HttpConnection, LoadResult, run_load
from bench.report import table
from bench.scenarios import (
    MAX_REQUESTS,
    SLOT,
    ScenarioConfig,
    distinct_vehicles,
    first_slot,
    register_vehicles,
)
from bench.stack import HOST, Service
from deploy.services import ROOT
from shared.kit.logs import configure_logging

QUICK = {"runs": 1, "duration": 5.0, "warmup": 1.0}
POLICY = {
    "name": "Bench fleet",
    "currency": "EUR",
    "applies_to": {"make": "Skoda"},  # bench/scenarios.py registers Skodas
    "priority": 1,
    "rates": {"hourly_cents": 1500, "daily_cents": 7000, "weekly_cents": 35000},
    "seasons": [{"start": "2020-06-01", "end": "2040-08-31", "multiplier": 1.2}],
    "demand": [
        {"min_utilization": 0.5, "multiplier": 1.25},
        {"min_utilization": 0.8, "multiplier": 1.5},
    ],
    "extras": [{"code": "child-seat", "name": "Child seat", "price_cents": 500, "per": "day"}],
    "deposit_cents": 20000,
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.pricing", description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="runs per side")
    parser.add_argument("--duration", type=float, default=20.0, help="measuring window, s")
    parser.add_argument("--warmup", type=float, default=3.0, help="warm-up before it, s")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--vehicles", type=int, default=256)
    parser.add_argument("--quick", action="store_true", help="a smoke run, not of record")
    parser.add_argument("--pg-dir", type=Path, default=ROOT / ".fleetledger" / "bench-pg")
    args = parser.parse_args(argv)
    if args.quick:
        for name, value in QUICK.items():
            setattr(args, name, value)
    args.pg_dir = args.pg_dir.resolve()
    return args


class Quotes:
    """Closed-loop quote requests: a random vehicle, a random 2-hour slot of a week."""

    def __init__(self, vehicles: list[str], seed: int) -> None:
        self.vehicles, self.rng, self.base = vehicles, random.Random(seed), first_slot()

    def __call__(self, client: int) -> tuple[str, str, bytes]:
        start = self.base + self.rng.randrange(84) * SLOT
        body = {
            "vehicle_id": self.rng.choice(self.vehicles),
            "start": start.isoformat(),
            "end": (start + SLOT).isoformat(),
        }
        return "POST", "/v1/quotes", orjson.dumps(body)


async def publish_policy(service: Service) -> None:
    conn = HttpConnection(HOST, service.port)
    try:
        status, body = await conn.request("POST", "/v1/pricing/policies", orjson.dumps(POLICY))
    finally:
        await conn.close()
    if status != 201:
        raise RuntimeError(f"publishing the policy answered {status}: {body[:300]!r}")


async def side(service: Service, args: argparse.Namespace, seed: int) -> tuple[LoadResult, ...]:
    """One run: quotes on a fresh fleet, then bookings on another fresh fleet."""
    cfg = ScenarioConfig(args.clients, args.vehicles, args.warmup, args.duration)
    vehicles = await register_vehicles(service, args.vehicles)
    quotes = await run_load(
        HOST, service.port, cfg.clients, Quotes(vehicles, seed), cfg.warmup_s, cfg.duration_s,
        MAX_REQUESTS,
    )  # fmt: skip
    bookings = await distinct_vehicles(service, cfg, lambda _: None)
    return quotes, bookings


def _row(label: str, quotes: LoadResult, bookings: LoadResult) -> list[object]:
    return [
        label,
        f"{quotes.percentile_ms(50):.2f}",
        f"{quotes.percentile_ms(99):.2f}",
        f"{quotes.rate:,.0f}",
        f"{bookings.count_where(lambda s: s == 201) / bookings.window_s:,.0f}",
    ]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    configure_logging("WARNING")
    work_dir = ROOT / ".fleetledger" / "bench"
    rows: list[list[object]] = []
    ok = True
    with stack.postgres(args.pg_dir) as pg:
        for run in range(args.runs):
            for policies in (False, True):
                label = f"run {run + 1}, policies {'on' if policies else 'off'}"
                with ExitStack() as running:
                    dsn = running.enter_context(stack.fresh_database(pg, "bench_pricing"))
                    service = running.enter_context(stack.command_service(dsn, 1, work_dir))
                    if policies:
                        asyncio.run(publish_policy(service))
                    quotes, bookings = asyncio.run(side(service, args, seed=run))
                rows.append(_row(label, quotes, bookings))
                ok &= set(quotes.statuses) == {201} and set(bookings.statuses) == {201}
    headers = ["side", "quote p50 ms", "quote p99 ms", "quotes/s", "bookings/s"]
    lines = table(headers, rows)
    if args.quick:
        lines.append("(--quick: a smoke run, not figures of record)")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
