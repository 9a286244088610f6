"""A stateful schemathesis run over the command service: it follows the OpenAPI links from
what it creates to the operations on it (register a vehicle → change it, schedule its
maintenance, hold and book it, ...), so the fuzzing writes real events, with no 5xx."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tests.security.support import Deployment, Ledger, Person
from tests.security.test_schemathesis import EXCLUDED, SEED, Run

MAX_TIME_S = 25
FOLLOW_UPS = {
    "VehicleDetailsUpdated",
    "VehicleStatusChanged",
    "VehicleRetired",
    "MaintenanceScheduled",
    "HoldPlaced",
    "BookingConfirmed",
}


async def stateful(base_url: str, token: str, report: Path) -> Run:
    args = [
        "-m",
        "schemathesis.cli",
        "run",
        f"{base_url}/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        "not_a_server_error",
        "--phases",
        "stateful",
        "--max-examples",
        "20",
        "--seed",
        str(SEED),
        "--no-shrink",
        "--request-timeout",
        "10",
        "--exclude-path-regex",
        EXCLUDED,
        "--max-time",
        str(MAX_TIME_S),
        "--report",
        "junit",
        "--report-dir",
        str(report),
    ]
    proc = await asyncio.create_subprocess_exec(
        sys.executable, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=180)
    return Run(int(proc.returncode or 0), out.decode(errors="replace"))


async def test_a_stateful_run_writes_real_events_and_no_server_error(
    deployment: Deployment, admin: Person, ledger: Ledger, tmp_path: Path
) -> None:
    after = int(await ledger.pool.fetchval("SELECT coalesce(max(global_position), 0) FROM events"))

    run = await stateful(deployment.command_url, admin.access_token, tmp_path)

    assert not run.failures({"ST101", "ST102"}), run.output[-12000:]
    written = await ledger.pool.fetch(
        "SELECT event_type, count(*) AS n FROM events WHERE global_position > $1"
        " AND metadata->>'actor' = $2 GROUP BY event_type",
        after,
        f"admin:{admin.user_id}",
    )
    counts = {row["event_type"]: row["n"] for row in written}
    assert counts.get("VehicleRegistered", 0) > 0, run.output[-6000:]
    assert FOLLOW_UPS & set(counts), (counts, run.output[-6000:])
