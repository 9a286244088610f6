"""`make run`: the whole stack on the embedded default, stopped cleanly on Ctrl-C.

Embedded PostgreSQL (pgserver wheel) keeps its data under .fleetledger/ between runs.
FLEET_COMMAND_DATABASE_URL points the command service at an external PostgreSQL instead
(the database must exist; migrations are applied on start).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

from deploy import services
from deploy.postgres import EmbeddedPostgres
from shared.logs import configure_logging

STATE_DIR = Path(os.environ.get("FLEET_STATE_DIR", services.ROOT / ".fleetledger"))
COMMAND_DB = "fleet_command"


def start_database() -> tuple[str, EmbeddedPostgres | None]:
    """DSN of the command database, starting the embedded server unless one is configured."""
    external = os.environ.get("FLEET_COMMAND_DATABASE_URL")
    if external:
        return external, None
    pg = EmbeddedPostgres(STATE_DIR / "postgres", port=int(os.environ.get("FLEET_PG_PORT", 54329)))
    pg.start()
    pg.create_database(COMMAND_DB)
    return pg.dsn(COMMAND_DB), pg


def run(port: int, workers: int) -> int:
    stop_requested = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop_requested.set())
    dsn, pg = start_database()
    command = None
    try:
        command = services.start_command_service(port, dsn, workers, state_dir=STATE_DIR)
        services.wait_ready(f"http://127.0.0.1:{port}/readyz", command, timeout_s=60)
        sys.stdout.write(
            "\nFleetledger is up (Ctrl-C stops everything):\n"
            f"  command service  http://127.0.0.1:{port}   (API docs: /docs)\n"
            f"  postgres         {dsn}\n\n"
        )
        sys.stdout.flush()
        while not stop_requested.wait(0.5):
            if command.poll() is not None:
                return command.returncode or 1
        return 0
    finally:
        if command is not None:
            services.stop(command)
        if pg is not None:
            pg.stop()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.launcher")
    sub = parser.add_subparsers(dest="action", required=True)
    run_parser = sub.add_parser("run", help="start Postgres and the command service")
    run_parser.add_argument(
        "--port", type=int, default=int(os.environ.get("FLEET_COMMAND_PORT", 8000))
    )
    run_parser.add_argument(
        "--workers", type=int, default=int(os.environ.get("FLEET_COMMAND_WORKERS", 2))
    )
    args = parser.parse_args()
    configure_logging(os.environ.get("FLEET_LOG_LEVEL", "INFO"))
    return run(args.port, args.workers)


if __name__ == "__main__":
    sys.exit(main())
