"""The simulator's knobs, from the command line and the environment."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from deploy.settings import ToolSettings
from shared.kit.settings import load

DEFAULT_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class SimConfig:
    """Everything that shapes one simulation run."""

    seed: int = 7
    vehicles: int = 200
    customers: int = 100
    days: float = 7.0
    max_seconds: float = 600.0
    url: str = DEFAULT_URL
    concurrency: int = 16
    start: datetime | None = None  # default: the next midnight (UTC) of the server's clock
    bookings_per_customer_day: float = 1.0
    hold_share: float = 0.35
    maintenance_per_vehicle_day: float = 0.03
    outages_per_vehicle_day: float = 0.02
    rate_changes_per_vehicle_day: float = 0.01
    auth: bool = True
    admin_email: str = ""
    admin_password: str = ""
    admin_credentials: Path = Path(".fleetledger/credentials.json")
    progress: bool = True
    report_json: Path | None = None


def _parser(prog: str) -> argparse.ArgumentParser:
    tools = load(ToolSettings)
    p = argparse.ArgumentParser(
        prog=prog,
        description="Register a realistic fleet and drive days of customer behaviour "
        "through the public command API (needs FLEET_CLOCK=simulated on the server).",
    )
    add = p.add_argument
    add("--seed", type=int, default=7, help="same seed and start: same commands")
    add("--vehicles", type=int, default=200)
    add("--customers", type=int, default=100)
    add("--days", type=float, default=7.0, help="simulated days to drive")
    add("--max-seconds", type=float, default=600.0, help="wall-clock limit")
    add("--url", default=tools.command_url, help="command service")
    add("--concurrency", type=int, default=16, help="requests in flight at most")
    add("--start", type=datetime.fromisoformat, default=None, help="simulated start (RFC 3339)")
    add("--booking-rate", type=float, default=1.0, help="booking attempts per customer-day")
    add("--hold-share", type=float, default=0.35, help="share of attempts that hold first")
    add("--maintenance-rate", type=float, default=0.03, help="windows per vehicle-day")
    add("--outage-rate", type=float, default=0.02, help="status outages per vehicle-day")
    add("--no-auth", action="store_true", help="send customer_id in bodies, no tokens")
    add("--admin-email", default=tools.admin_email)
    add("--admin-password", default=tools.admin_password)
    add("--admin-credentials", type=Path, default=tools.credentials_file)
    add("--no-progress", action="store_true", help="no progress bar on stderr")
    add("--report-json", type=Path, default=None, help="also write the summary as JSON here")
    return p


def parse_args(
    argv: list[str] | None = None, prog: str = "python -m deploy.simulator"
) -> SimConfig:
    a = _parser(prog).parse_args(argv)
    return SimConfig(
        seed=a.seed,
        vehicles=a.vehicles,
        customers=a.customers,
        days=a.days,
        max_seconds=a.max_seconds,
        url=a.url.rstrip("/"),
        concurrency=max(1, a.concurrency),
        start=a.start,
        bookings_per_customer_day=a.booking_rate,
        hold_share=a.hold_share,
        maintenance_per_vehicle_day=a.maintenance_rate,
        outages_per_vehicle_day=a.outage_rate,
        auth=not a.no_auth,
        admin_email=a.admin_email,
        admin_password=a.admin_password,
        admin_credentials=a.admin_credentials,
        progress=not a.no_progress,
        report_json=a.report_json,
    )
