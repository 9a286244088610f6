"""`fleetledger`: one command line for the local stack and the admin tools.

Each subcommand hands its arguments to the module that owns them, so `fleetledger user
--help` lists whatever `command_service.identity.cli` offers. Modules are imported only
when their subcommand runs: `fleetledger token` never loads the embedded stack.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import typer

app = typer.Typer(
    name="fleetledger",
    help="Fleetledger: event-sourced fleet booking (command + query services).",
    no_args_is_help=True,
    add_completion=False,
)
# The delegate parses everything, `--help` included.
PASS_THROUGH = {"allow_extra_args": True, "ignore_unknown_options": True}
DEMO_STATE_DIR = ".fleetledger/demo"


def _delegate(entry: Callable[[list[str], str], int], args: list[str], prog: str) -> None:
    raise typer.Exit(entry(args, prog))


@app.command(context_settings=PASS_THROUGH, add_help_option=False)
def run(ctx: typer.Context) -> None:
    """Start PostgreSQL, the broker and both services (embedded unless configured)."""
    from deploy import launcher

    _delegate(launcher.main, ["run", *ctx.args], "fleetledger")


@app.command(context_settings=PASS_THROUGH, add_help_option=False)
def demo(ctx: typer.Context) -> None:
    """The stack in demo mode (simulated clock), filled by the fleet simulator."""
    os.environ.setdefault("FLEET_STATE_DIR", DEMO_STATE_DIR)  # never the `run` state
    from deploy import launcher

    _delegate(launcher.main, ["demo", *ctx.args], "fleetledger")


@app.command(context_settings=PASS_THROUGH, add_help_option=False)
def token(ctx: typer.Context) -> None:
    """Print an admin access token for the running stack."""
    from deploy import token as token_tool

    _delegate(token_tool.main, ctx.args, "fleetledger token")


@app.command(context_settings=PASS_THROUGH, add_help_option=False)
def rebuild(ctx: typer.Context) -> None:
    """Rebuild the read models from the log (blue-green) against the running stack."""
    from query_service import rebuild as rebuild_tool

    _delegate(rebuild_tool.main, ctx.args, "fleetledger rebuild")


@app.command(context_settings=PASS_THROUGH, add_help_option=False)
def user(ctx: typer.Context) -> None:
    """Manage organizations, accounts and signing keys in the database (admin tasks)."""
    from command_service.identity import cli as identity_cli

    _delegate(identity_cli.main, ctx.args, "fleetledger user")


@app.command(context_settings=PASS_THROUGH, add_help_option=False)
def simulate(ctx: typer.Context) -> None:
    """Drive a simulated fleet through the command API (needs a simulated clock)."""
    from deploy.simulator import __main__ as simulator

    _delegate(simulator.main, ctx.args, "fleetledger simulate")


def main() -> None:
    """The `fleetledger` console script (also `python -m deploy.cli`)."""
    app(prog_name="fleetledger")


if __name__ == "__main__":
    main()
