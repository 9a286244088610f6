"""Rebuild the read models from the start of the log, blue-green.

`python -m query_service.rebuild` (or `make rebuild`) replays the command service's
catch-up feed into a fresh schema while the active one keeps serving, then swaps the
pointer once caught up; running services rebind within moments and heal whatever the
live consumer applied to the old generation during the swap (gap detection + feed
healer). Older generations beyond `--keep` are dropped.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass

import asyncpg
import httpx
import structlog

from query_service.replay import CorruptLogError, replay
from query_service.settings import REBUILD_PROCESSES, RebuildSettings
from query_service.store import schemas
from shared.kit import loop
from shared.kit.auth.client import CREDENTIALS_FILE, Credentials, credentials_from
from shared.kit.logs import configure_logging
from shared.kit.processes import ProcessDiedError
from shared.kit.settings import load

log = structlog.get_logger("query_service.rebuild")
_BUILDING = 4712  # advisory lock class: a generation's rebuild is alive (key: its name)
# What stops a rebuild without a bug: PostgreSQL or the command service unreachable or
# refusing, a corrupt feed, a replay process killed.
EXPECTED_FAILURES = (
    OSError, asyncpg.PostgresError, httpx.HTTPError, CorruptLogError, ProcessDiedError,
)  # fmt: skip


@dataclass(frozen=True)
class RebuildReport:
    schema: str
    replaced: str | None
    events: int
    seconds: float

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


async def rebuild(
    database_url: str,
    command_url: str,
    credentials: Credentials | None,
    keep: int = 1,
    activate: bool = True,
    processes: int = REBUILD_PROCESSES,
) -> RebuildReport:
    """Build a new generation from the feed and (by default) make it the active one,
    replayed by `processes` processes (1: this one)."""
    admin = await asyncpg.connect(database_url)
    started = time.perf_counter()
    try:
        await schemas.ensure_pointer(admin)
        name = schemas.new_schema_name()
        await mark_building(admin, name)
        await schemas.create_schema(admin, name, indexes=False)
        try:
            events = await replay(database_url, name, command_url, credentials, processes)
            await schemas.finish(admin, database_url, name, processes)
        except Exception:  # half built and never served: nothing to keep
            await _drop_unfinished(admin, name)
            raise
        replaced = await schemas.activate(admin, name) if activate else None
        await drop_old_generations(admin, keep)
        return RebuildReport(name, replaced, events, time.perf_counter() - started)
    finally:
        await admin.close()


async def mark_building(admin: asyncpg.Connection, name: str) -> None:
    """Tell other rebuilds, for as long as `admin`'s session lives, that generation
    `name` is being built and not abandoned."""
    await admin.execute("SELECT pg_advisory_lock($1, hashtext($2))", _BUILDING, name)


async def _drop_unfinished(admin: asyncpg.Connection, schema: str) -> None:
    """Drop a generation a failed rebuild left, unless the failure took the database
    too: then it stays, labelled unfinished, until the next rebuild drops it, and the
    failure's own error is the one told."""
    try:
        await admin.execute(f"DROP SCHEMA {schema} CASCADE")
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        log.warning("unfinished_generation_kept", schema=schema, error=repr(exc))


async def drop_old_generations(admin: asyncpg.Connection, keep: int) -> None:
    """Keep the active generation and the `keep` newest finished others (for a quick
    rollback). Drop every unfinished one no rebuild is building: a rebuild whose
    database or process died left it, and it must never pass for a rollback target."""
    active = await admin.fetchval("SELECT schema_name FROM public.read_model_active")
    others = [(n, label) for n, label in await schemas.generations(admin) if n != active]
    for name in [n for n, label in others if label != schemas.UNFINISHED][keep:]:
        await _drop(admin, name)
    for name in [n for n, label in others if label == schemas.UNFINISHED]:
        if await admin.fetchval("SELECT pg_try_advisory_lock($1, hashtext($2))", _BUILDING, name):
            await _drop(admin, name)
            await admin.execute("SELECT pg_advisory_unlock($1, hashtext($2))", _BUILDING, name)


async def _drop(admin: asyncpg.Connection, name: str) -> None:
    await admin.execute(f"DROP SCHEMA {name} CASCADE")
    log.info("generation_dropped", schema=name)


def main(argv: list[str] | None = None, prog: str = "python -m query_service.rebuild") -> int:
    settings = load(RebuildSettings)
    parser = argparse.ArgumentParser(prog=prog, description="Rebuild the read models (blue-green).")
    parser.add_argument("--database-url", default=settings.database_url)
    parser.add_argument("--command-url", default=settings.command_url)
    parser.add_argument("--keep", type=int, default=1, help="previous generations to keep")
    args = parser.parse_args(argv)
    configure_logging(settings.log_level, settings.log_format)
    credentials = credentials_from(
        settings.service_email,
        settings.service_password,
        settings.state_dir / CREDENTIALS_FILE,
        "service",
    )
    try:
        report = loop.run(
            rebuild(
                args.database_url, args.command_url, credentials, args.keep,
                processes=settings.processes,
            )
        )  # fmt: skip
    except EXPECTED_FAILURES as exc:  # an operator's problem, not a bug: no traceback
        raise SystemExit(
            f"rebuild failed: {type(exc).__name__}: {str(exc) or 'no detail'}"
            " (the active read models were not touched)"
        ) from None
    log.info(
        "rebuild_done",
        schema=report.schema,
        replaced=report.replaced,
        events=report.events,
        seconds=round(report.seconds, 2),
        events_per_second=round(report.events_per_second),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
