"""`make demo`: the embedded stack in demo mode, filled by the fleet simulator.

The command service runs with FLEET_ENV=demo and FLEET_CLOCK=simulated (production
refuses that clock), the simulator drives days of a simulated fleet through the public
API, then this prints where to look and keeps everything running until Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from deploy import services
from deploy.supervisor import Supervisor, stop_on_signals

DEMO_ENV = {
    "FLEET_ENV": "demo",
    "FLEET_CLOCK": "simulated",
    # Simulated hours pass in real seconds: sweep expired holds often.
    "FLEET_SWEEPER_INTERVAL_MS": "1000",
    # Every simulated customer signs in from the same loopback address.
    "FLEET_LOGIN_ATTEMPTS_PER_ADDRESS": "100000",
    "FLEET_REGISTRATIONS_PER_ADDRESS": "100000",
}
REPORT = "simulator-report.json"
StartServices = Callable[[ExitStack, argparse.Namespace], Supervisor]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The simulator's knobs as `make demo` passes them (see docs/simulator.md)."""
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--vehicles", type=int, default=200)
    parser.add_argument("--customers", type=int, default=150)
    parser.add_argument("--days", type=float, default=14)
    parser.add_argument("--max-seconds", type=float, default=240)
    parser.add_argument(
        "--fresh", action="store_true", help="start from empty databases (demo state dir only)"
    )


def _reset(state_dir: Path) -> None:
    """Forget the previous demo's databases; never the default `make run` state."""
    if state_dir.resolve() == (services.ROOT / ".fleetledger").resolve():
        raise SystemExit(
            "--fresh needs a dedicated FLEET_STATE_DIR (make demo uses .fleetledger/demo)"
        )
    shutil.rmtree(state_dir / "postgres", ignore_errors=True)
    shutil.rmtree(state_dir / "sandbox", ignore_errors=True)  # its ledger: the old demo's
    (state_dir / REPORT).unlink(missing_ok=True)


def _start_simulator(args: argparse.Namespace, state_dir: Path) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "deploy.simulator",
        "--url", f"http://127.0.0.1:{args.port}",
        "--seed", str(args.seed),
        "--vehicles", str(args.vehicles),
        "--customers", str(args.customers),
        "--days", str(args.days),
        "--max-seconds", str(args.max_seconds),
        "--admin-credentials", str(state_dir / "credentials.json"),
        "--report-json", str(state_dir / REPORT),
    ]  # fmt: skip
    # Its own session: Ctrl-C reaches the launcher, which stops it by pid like the services.
    return subprocess.Popen(command, cwd=services.ROOT, start_new_session=True)


def _hints(args: argparse.Namespace, state_dir: Path) -> str:
    try:
        report = json.loads((state_dir / REPORT).read_text())
        span = f"from={report['start'][:10]}T00:00:00Z&to={report['reached'][:10]}T23:00:00Z"
    except (OSError, ValueError, KeyError):
        span = "from=<simulated start>&to=<simulated end>"
    base = f"http://127.0.0.1:{args.query_port}/v1/analytics"
    paths = (
        f"fleet/utilization?{span}&granularity=day",
        f"peak-hours?{span}",
        f"bookings/stats?{span}",
        f"revenue?{span}&granularity=day",
        f"underutilized?{span}",
        f"maintenance/due?to={span.rsplit('to=', 1)[1]}",
    )
    looks = "\n".join(f'  curl -s -H "Authorization: Bearer $TOKEN" "{base}/{p}"' for p in paths)
    return (
        "\nThe demo fleet is in. Look at the analytics (fleet_manager or admin token):\n"
        f"  TOKEN=$({services.token_command(state_dir, args.port)})\n{looks}\n"
        "The query service follows the simulated clock (no-shows are judged at its now).\n"
        "Everything keeps running until Ctrl-C. Or see it all, live, in the console:\n"
        f"  http://127.0.0.1:{args.query_port}/console/  (sign in as the admin)\n"
    )


def demo(args: argparse.Namespace, start_services: StartServices, state_dir: Path) -> int:
    """Start the stack in demo mode, run the simulator once, then wait for Ctrl-C."""
    if args.fresh:
        _reset(state_dir)
    os.environ.update(DEMO_ENV)  # the services inherit it
    os.environ.setdefault("FLEET_LOG_LEVEL", "WARNING")  # keep the progress bar readable
    stop_requested = stop_on_signals()
    with ExitStack() as stack:  # stops everything in reverse order of start
        supervisor = start_services(stack, args)
        simulator = _start_simulator(args, state_dir)
        stack.callback(services.stop, simulator)
        hinted = False

        def hint_once() -> None:
            nonlocal hinted
            if not hinted and simulator.poll() is not None:
                hinted = True
                sys.stdout.write(_hints(args, state_dir) if simulator.returncode == 0 else "")
                sys.stdout.flush()

        return supervisor.serve(stop_requested, hint_once)
