"""A stateful schemathesis run over the command service: it follows the OpenAPI links from
what it creates to the operations on it (register a vehicle → change it, schedule its
maintenance, hold and book it, ...), so the fuzzing writes real events, with no 5xx."""

from __future__ import annotations

from pathlib import Path

from tests.security.support import Deployment, Ledger, Person
from tests.security.test_schemathesis import Run, schemathesis

MAX_TIME_S = 35
# The chain from a location to a vehicle to what is done with it: the run's time goes to
# it, not to operations that create nothing a vehicle needs (pricing, organizations...).
VEHICLE_CHAIN = r"^/v1/(locations|vehicles|maintenance|holds|bookings|trips)(/|$)"
FOLLOW_UPS = {
    "VehicleDetailsUpdated",
    "VehicleStatusChanged",
    "VehicleRetired",
    "MaintenanceScheduled",
    "HoldPlaced",
    "BookingConfirmed",
}


async def stateful(base_url: str, token: str, report: Path) -> Run:
    return await schemathesis(
        *(base_url, token, report, "not_a_server_error"),
        *("--phases", "stateful", "--include-path-regex", VEHICLE_CHAIN),
        *("--max-examples", "20", "--max-time", str(MAX_TIME_S)),
        timeout_s=180,
        hooks="tests.security.unique_vehicles",
    )


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
