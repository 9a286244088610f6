"""A healthy pass of the feed healer: `python -m bench.heal [--events N] [--passes K]`.

Seeds the pipeline benchmark's log (1-48 h bookings, bench/pipeline_seed.py) into a fresh
command database, starts a command service (1 worker), rebuilds a fresh query database
from it, so that the generation holds every event, then times `--passes` anti-entropy
passes of the query service's healer (`Healer.catch_up`, grace 0) over the whole log,
each from the start of the feed: what the healer spends when the topic lost nothing
(with `--refill`: when it refills a generation emptied first, as after an upgrade).
Prints per pass the events walked per second and the CPU per event of the command
service, PostgreSQL and this process (the healer). Exit status 1 when a pass healed
anything (the generation was whole, so that would be a bug), or, refilling, less than
the whole log.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import asyncpg

from bench import pipeline_stack as ps
from bench import stack
from bench.auth import ACCOUNTS
from bench.pipeline_log import Meter, measure_rebuild, meter_for
from bench.pipeline_seed import plan_for, seed
from deploy.services import ROOT
from query_service.applier import PageApplier
from query_service.feed_client import CommandFeed
from query_service.healer import Healer
from query_service.store import schemas
from shared.kit import loop
from shared.kit.logs import configure_logging

WORK = ROOT / ".fleetledger" / "bench-heal"


_TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename <> 'feed_cursor'"


async def heal_pass(
    query_dsn: str, command: ps.Proc, meter: Meter, refill: bool
) -> tuple[int, int, float]:
    """(events walked, events healed, seconds) of one pass from the feed's start; with
    `refill`, over the generation emptied first."""
    admin = await asyncpg.connect(query_dsn)
    schema = await admin.fetchval("SELECT schema_name FROM public.read_model_active")
    await admin.close()
    conn = await schemas.connect(query_dsn, schema)
    feed = CommandFeed(command.url, ACCOUNTS.service)
    try:
        await conn.execute("UPDATE feed_cursor SET after_position = 0")
        if refill:
            for row in await conn.fetch(_TABLES, schema):
                await conn.execute(f'TRUNCATE "{row["tablename"]}"')
        applier = await PageApplier.create(conn)
        meter("start")
        began = time.perf_counter()
        healed = await Healer(feed, grace_s=0).catch_up(applier)
        seconds = time.perf_counter() - began
        meter("end")
        events = int(await conn.fetchval("SELECT coalesce(sum(version), 0) FROM stream_tracking"))
        return events, healed, seconds
    finally:
        await feed.close()
        await conn.close()


def _row(n: int, events: int, healed: int, seconds: float, used_s: dict[str, float]) -> str:
    per_event = [used_s[k] / max(events, 1) * 1e3 for k in ("service", "postgres", "client")]
    cpu = " / ".join(f"{ms:.4f}" for ms in per_event)
    return (
        f"{n:>4}  {events:>7,}  {healed:>6,}  {seconds:>7.2f}  {events / seconds:>8,.0f}  {cpu}\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.heal", description=__doc__)
    parser.add_argument("--events", type=int, default=200_000, help="events in the log (at least)")
    parser.add_argument("--passes", type=int, default=3, help="healer passes to time")
    parser.add_argument("--refill", action="store_true", help="empty the generation first")
    parser.add_argument("--pg-dir", type=Path, default=WORK / "pg", help="PostgreSQL data")
    args = parser.parse_args(argv)
    if min(args.events, args.passes) < 1:
        parser.error("--events and --passes must be positive")
    refill = args.refill
    configure_logging("WARNING")
    plan = plan_for(100)
    vehicles = -(-args.events // plan.events_per_vehicle)
    ok, say = True, sys.stdout.write
    say(f"python -m bench.heal {' '.join(sys.argv[1:] if argv is None else argv)}\n")
    with (
        stack.postgres(args.pg_dir.resolve()) as pg,
        stack.fresh_database(pg, "heal_cmd") as command_dsn,
        stack.fresh_database(pg, "heal_query") as query_dsn,
    ):
        assert pg.process is not None
        seeded = loop.run(seed(command_dsn, plan, 0, vehicles))
        say(f"seeded {seeded.events:,} events ({vehicles:,} vehicles)\n")
        with ps.command_service("command-heal", command_dsn, WORK, "", "", 1, {}) as command:
            rebuilt = loop.run(
                measure_rebuild(query_dsn, command, meter_for(command, pg.process.pid))
            )
            say(f"rebuilt {rebuilt.events:,} events in {rebuilt.seconds:.1f} s\n")
            say("pass   walked  healed  seconds  events/s  CPU ms/event: command/postgres/healer\n")
            for n in range(1, args.passes + 1):
                meter = meter_for(command, pg.process.pid)
                events, healed, seconds = loop.run(heal_pass(query_dsn, command, meter, refill))
                ok = ok and healed == (events if refill else 0)
                say(_row(n, events, healed, seconds, meter.used_s))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
