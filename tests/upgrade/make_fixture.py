"""Write the upgrade fixture: the event store of a release from before organizations.

Run it against the OLD release's tree (whose code starts the stack), e.g. b34d1de:

    git worktree add /tmp/old b34d1de --detach && ln -s "$PWD/.venv" /tmp/old/.venv
    PYTHONPATH=/tmp/old .venv/bin/python tests/upgrade/make_fixture.py --release-tree /tmp/old
    git worktree remove --force /tmp/old

It starts that release's embedded PostgreSQL and broker, its command service (with the
relay) and query service, writes a small but complete history through the old HTTP API
(accounts, vehicles, holds confirmed and released, bookings, a cancellation with refund,
a trip, maintenance, a retirement), records what the old API answered to a set of reads,
and dumps the command database (tests/upgrade/fixture_rows.py) into
tests/upgrade/fixtures/release-<commit>.jsonl.gz. Passwords in it are test-only.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import subprocess
import sys
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import fixture_rows  # this folder (the script's own): the release tree has no tests/upgrade
import httpx
import structlog

HERE = Path(__file__).resolve().parent
log = structlog.get_logger("tests.upgrade.make_fixture")
ADMIN = ("old-admin@fleet.example", "old release admin password")
SERVICE = ("query-service@fleetledger.internal", "old release service password")
MANAGER = ("old-manager@fleet.example", "old release manager password")
CUSTOMER = ("old-customer@fleet.example", "old release customer password")


def vehicle(n: int, make: str, model: str, **extra: Any) -> dict[str, Any]:
    """A registration body of the old contract."""
    body = {
        "vin": f"WVWZZZ1JZXW{n:06d}", "plate": f"B-OL {n}", "make": make, "model": model,
        "year": 2023, "seats": 5, "hourly_rate_cents": 1200, "daily_rate_cents": 6000,
        "currency": "EUR", "odometer_km": 1000 * n,
    }  # fmt: skip
    return {**body, **extra}


def at(days: float = 0, minutes: float = 0) -> str:
    """A moment relative to now (the old stack runs on the system clock)."""
    return (datetime.now(UTC) + timedelta(days=days, minutes=minutes)).isoformat()


def day_window(days: int, start_hour: int, end_hour: int) -> dict[str, str]:
    day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    day += timedelta(days=days)
    return {
        "start": (day + timedelta(hours=start_hour)).isoformat(),
        "end": (day + timedelta(hours=end_hour)).isoformat(),
    }


class Old:
    """The old command API, called as the fixture's accounts."""

    def __init__(self, http: httpx.AsyncClient, command_url: str) -> None:
        self.http, self.url, self.tokens = http, command_url, {}

    async def sign_in(self, who: str, email: str, password: str) -> None:
        body = await self.call("POST", "/v1/auth/token", None, 200, email=email, password=password)
        self.tokens[who] = body["access_token"]

    async def call(self, method: str, path: str, who: str | None, expect: int, **body: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        resp = await self.http.request(method, self.url + path, json=body or None, headers=headers)
        if resp.status_code != expect:
            raise SystemExit(f"{method} {path}: {resp.status_code} {resp.text}")
        return resp.json() if resp.content else None

    async def post(self, path: str, who: str, expect: int = 201, **body: Any) -> Any:
        return await self.call("POST", path, who, expect, **body)


async def accounts(old: Old) -> dict[str, str]:
    """The admin signs in, a manager is promoted, a customer signs up; their user ids."""
    await old.sign_in("admin", *ADMIN)
    ids = {"admin": (await old.call("GET", "/v1/auth/me", "admin", 200))["user_id"]}
    for who, (email, password), name in (
        ("manager", MANAGER, "Max"),
        ("customer", CUSTOMER, "Ada"),
    ):
        made = await old.call(
            "POST", "/v1/auth/register", None, 201, email=email, password=password, name=name
        )
        ids[who] = made["user_id"]
    await old.call("POST", f"/v1/users/{ids['manager']}/role", "admin", 200, role="fleet_manager")
    await old.sign_in("manager", *MANAGER)
    await old.sign_in("customer", *CUSTOMER)
    return ids


async def history(old: Old, ids: dict[str, str]) -> dict[str, str]:
    """Every kind of event of the old release; returns the ids it made."""
    m, c, post = "manager", "customer", old.post
    models = (("VW", "Golf"), ("VW", "Polo"), ("VW", "ID.3"), ("Opel", "Corsa"))
    for n, (make, model) in enumerate(models, 1):
        extra = {"home": {"lat": 52.52, "lon": 13.405}} if n == 3 else {}
        made = await post("/v1/vehicles", m, **vehicle(n, make, model, **extra))
        ids[f"vehicle{n}"] = made["vehicle_id"]
    v1, v2, v3, v4 = (ids[f"vehicle{n}"] for n in range(1, 5))
    await old.call("PATCH", f"/v1/vehicles/{v2}", m, 200, plate="B-OL 22", seats=4)

    hold = await post("/v1/holds", c, vehicle_id=v1, ttl_seconds=600, **day_window(2, 9, 12))
    ids["hold_confirmed"] = hold["hold_id"]
    booked = await post(f"/v1/holds/{hold['hold_id']}/confirm", c)
    ids["booking_from_hold"] = booked["booking_id"]
    hold = await post("/v1/holds", c, vehicle_id=v2, **day_window(3, 9, 12))
    ids["hold_released"] = hold["hold_id"]
    await post(f"/v1/holds/{hold['hold_id']}/release", c, expect=200)

    booked = await post("/v1/bookings", c, vehicle_id=v1, **day_window(5, 10, 14))
    ids["booking_cancelled"] = booked["booking_id"]
    await post(f"/v1/bookings/{booked['booking_id']}/cancel", c, 200, reason="plans changed")
    soon = {"start": at(minutes=2), "end": at(minutes=62)}  # a trip may start 15 min early
    booked = await post("/v1/bookings", c, vehicle_id=v2, **soon)
    ids["booking_driven"] = booked["booking_id"]
    trip = await post("/v1/trips", c, booking_id=booked["booking_id"], odometer_km=2000)
    ids["trip"] = trip["trip_id"]
    await post(f"/v1/trips/{trip['trip_id']}/end", c, 200, odometer_km=2042)
    for_her = {"customer_id": ids["customer"], "purpose": "site visit", **day_window(7, 8, 18)}
    booked = await post("/v1/bookings", m, vehicle_id=v3, **for_her)
    ids["booking_by_manager"] = booked["booking_id"]

    done = await post(f"/v1/vehicles/{v3}/maintenance", m, reason="tyres", **day_window(1, 8, 12))
    ids["maintenance_completed"] = done["maintenance_id"]
    await post(f"/v1/maintenance/{done['maintenance_id']}/complete", m, 200, odometer_km=3010)
    later = day_window(10, 8, 16)
    planned = await post(f"/v1/vehicles/{v1}/maintenance", m, reason="inspection", **later)
    ids["maintenance_scheduled"] = planned["maintenance_id"]
    await post(f"/v1/vehicles/{v4}/status", m, 200, status="inactive", reason="sold")
    await post(f"/v1/vehicles/{v4}/retire", m, 200, reason="sold")
    return ids


def reads(ids: dict[str, str]) -> list[tuple[str, str, str, dict[str, str]]]:
    """(service, caller, path, query) of the reads whose old answers the fixture keeps:
    only answers that do not move with the clock (no health, no no-show judged at now)."""
    window = day_window(0, 0, 24 * 14)
    span = {"from": window["start"], "to": window["end"]}
    vehicles = [ids[f"vehicle{n}"] for n in range(1, 5)]
    command = [("command", who, "/v1/auth/me", {}) for who in ("admin", "manager", "customer")]
    command += [("command", "manager", f"/v1/vehicles/{v}/history", {}) for v in vehicles]
    command.append(("command", "admin", "/v1/events", {"after": "0", "limit": "500"}))
    query = [
        ("query", "customer", f"/v1/bookings/{ids[k]}", {}) for k in ids if k.startswith("booking")
    ]
    query += [
        ("query", "customer", f"/v1/holds/{ids[k]}", {})
        for k in ("hold_confirmed", "hold_released")
    ]
    query += [("query", "customer", f"/v1/trips/{ids['trip']}", {})]
    query += [
        ("query", "manager", f"/v1/maintenance/{ids[k]}", {}) for k in ids if k.startswith("maint")
    ]
    query += [("query", who, "/v1/bookings", span) for who in ("customer", "manager")]
    query += [
        ("query", "manager", "/v1/trips", span),
        ("query", "manager", "/v1/maintenance", span),
    ]
    query += [("query", "manager", f"/v1/vehicles/{v}/calendar", span) for v in vehicles]
    query += [("query", "manager", "/v1/analytics/revenue", span)]
    return command + query


async def answers(old: Old, query_url: str, ids: dict[str, str]) -> list[dict[str, Any]]:
    """What the old API answered to each read, to be asked again after the upgrade."""
    kept = []
    for service, who, path, params in reads(ids):
        base = old.url if service == "command" else query_url
        headers = {"Authorization": f"Bearer {old.tokens[who]}"}
        resp = await old.http.get(base + path, params=params, headers=headers)
        if resp.status_code != 200:
            raise SystemExit(f"GET {path}: {resp.status_code} {resp.text}")
        kept.append(
            {"service": service, "as": who, "path": path, "params": params, "body": resp.json()}
        )
    return kept


def migrations() -> list[dict[str, Any]]:
    """The release's migrations (its own tree's files), with a digest of each."""
    from command_service.store.migrate import migration_files

    return [
        {"version": v, "name": name, "sha256": hashlib.sha256(sql.encode()).hexdigest()}
        for v, name, sql in migration_files()
    ]


async def generate(release: str, out: Path | None, work: Path) -> Path:
    from deploy.accounts import StartupAccounts
    from deploy.broker import EmbeddedBroker
    from deploy.postgres import EmbeddedPostgres
    from shared.kit.auth.client import Credentials
    from shared.kit.kafka_admin import ensure_topic
    from tests.pipeline.stack import Stack, wait_caught_up

    pg, broker = EmbeddedPostgres(work / "pg"), EmbeddedBroker(work / "broker")
    pg.start()
    broker.start()
    stack = None
    try:
        for name in ("fleet_command", "fleet_query"):
            pg.create_database(name)
        topic = f"fixture.{uuid.uuid4().hex[:8]}"
        await ensure_topic(broker.bootstrap, topic, 4)
        stack = Stack(
            command_dsn=pg.dsn("fleet_command"),
            query_dsn=pg.dsn("fleet_query"),
            bootstrap=broker.bootstrap,
            topic=topic,
            log_dir=work,
            accounts=StartupAccounts(Credentials(*ADMIN), Credentials(*SERVICE)),
        )
        stack.start_command()
        stack.start_query()
        async with httpx.AsyncClient(timeout=30) as http:
            old = Old(http, stack.command_url)
            ids = await accounts(old)
            ids = await history(old, ids)
            await wait_caught_up(stack)
            kept = await answers(old, stack.query_url, ids)
        stack.stop()
        conn = await asyncpg.connect(stack.command_dsn)
        try:
            rows = await fixture_rows.dump(conn)
        finally:
            await conn.close()
    finally:
        if stack is not None:
            stack.stop()
        broker.stop()
        pg.stop()
    header = {
        "release": release,
        "generated_at": datetime.now(UTC).isoformat(),
        "migrations": migrations(),
        "accounts": [
            {"as": who, "email": email, "password": password, "user_id": ids.get(who)}
            for who, (email, password) in (
                ("admin", ADMIN),
                ("service", SERVICE),
                ("manager", MANAGER),
                ("customer", CUSTOMER),
            )
        ],
        "ids": ids,
        "answers": kept,
    }
    path = out or HERE / "fixtures" / f"release-{release}.jsonl.gz"
    path.parent.mkdir(parents=True, exist_ok=True)
    count = fixture_rows.write(path, header, rows)
    log.info(
        "fixture_written", path=str(path), rows=count, events=sum(t == "events" for t, _ in rows)
    )
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release-tree", type=Path, required=True, help="the old release's tree")
    parser.add_argument(
        "--out", type=Path, help="default: tests/upgrade/fixtures/release-<commit>.jsonl.gz"
    )
    args = parser.parse_args()
    tree = args.release_tree.resolve()
    import deploy

    if Path(deploy.__file__).resolve().parent.parent != tree:
        raise SystemExit(f"run with PYTHONPATH={tree}: deploy comes from {deploy.__file__}")
    from shared.kit.logs import configure_logging

    configure_logging("INFO")
    git = ["git", "-C", str(tree), "rev-parse", "--short", "HEAD"]
    release = subprocess.run(git, check=True, capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="fleet-fixture-") as work:
        asyncio.run(generate(release, args.out, Path(work)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
