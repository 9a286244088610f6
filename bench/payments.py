"""Payments benchmark: `python -m bench.payments [--customers N] [--duration S] [--quick]`.

p50 and p99 of hold → paid booking through the sandbox provider (issue 16): each of
`--customers` concurrent customers, closed loop, places a hold on one of its own vehicles
(POST /v1/holds) and pays for it with `tok_visa` (POST /v1/holds/{id}/payment: authorize
price + deposit at the sandbox, then confirm the hold into a booking); the latency is
from the hold's request to the payment's 201 naming the booking.

Starts its own embedded PostgreSQL, sandbox provider and command service (one worker, the
organization's `payments` set to `required`) on free loopback ports, and stops them by
PID. Exit status 1 when an answer is not the expected 201 (a hold or payment refused).
--quick: a smoke run (5 s window, 1 s warm-up, 10 customers): not of record.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bench import report, stack
from bench.auth import sign_in
from bench.loadgen import percentile
from bench.scenarios import register_vehicles
from deploy import services
from deploy.postgres import free_port
from deploy.services import ROOT
from shared.contract.organizations import DEFAULT_ORGANIZATION_ID
from shared.kit.logs import configure_logging

PASSWORD = "bench payments password"
# Sign-ups and sign-ins all come from loopback; hashing strength is not under test.
AUTH_ENV = {
    "FLEET_REGISTRATIONS_PER_ADDRESS": "100000",
    "FLEET_LOGIN_ATTEMPTS_PER_ADDRESS": "100000",
    "FLEET_ARGON2_TIME_COST": "1",
    "FLEET_ARGON2_MEMORY_KIB": "8192",
}
HOLD_HOURS = 2
VEHICLES_PER_CUSTOMER = 4


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.payments",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--customers", type=int, default=50, help="concurrent customers")
    parser.add_argument("--duration", type=float, default=30.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=5.0, help="warm-up seconds")
    parser.add_argument("--card", default="tok_visa", help="test card token paid with")
    parser.add_argument("--pg-dir", type=Path, default=ROOT / ".fleetledger" / "bench-pg")
    parser.add_argument("--quick", action="store_true", help="smoke run, not of record")
    args = parser.parse_args(argv)
    if args.quick:
        args.customers, args.duration, args.warmup = min(args.customers, 10), 5.0, 1.0
    if args.customers < 1 or args.duration <= 0 or args.warmup < 0:
        parser.error("--customers and --duration must be positive, --warmup not negative")
    args.pg_dir = args.pg_dir.resolve()
    return args


@dataclass
class Customer:
    """One customer: its signed-in client and the vehicles only it books."""

    http: httpx.AsyncClient
    vehicles: list[str]
    slot: int = 0

    def next_window(self) -> tuple[str, dict[str, str]]:
        """A vehicle and a window no earlier hold or booking of this customer touches."""
        vehicle = self.vehicles[self.slot % len(self.vehicles)]
        day = 1 + self.slot // len(self.vehicles)
        self.slot += 1
        start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        start += timedelta(hours=day * HOLD_HOURS)
        end = start + timedelta(hours=HOLD_HOURS)
        return vehicle, {"start": start.isoformat(), "end": end.isoformat()}


@dataclass
class Run:
    """Latencies of the paid bookings finished in the measuring window, and every status."""

    window: tuple[float, float]
    card: str
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)

    def record(self, started: float, finished: float, outcome: str) -> None:
        self.statuses[outcome] += 1
        if outcome == "paid" and self.window[0] <= started and finished <= self.window[1]:
            self.latencies.append(finished - started)


async def pay_once(customer: Customer, run: Run) -> None:
    """A hold, then its payment; the outcome is `paid` or what went wrong."""
    vehicle, window = customer.next_window()
    started = time.monotonic()
    hold = await customer.http.post("/v1/holds", json={"vehicle_id": vehicle, "ttl_seconds": 600,
                                                       **window})  # fmt: skip
    if hold.status_code != 201:
        run.record(started, time.monotonic(), f"hold {hold.status_code}")
        return
    paid = await customer.http.post(f"/v1/holds/{hold.json()['hold_id']}/payment",
                                    json={"card_token": run.card})  # fmt: skip
    body = paid.json() if paid.headers.get("content-type", "").endswith("json") else {}
    ok = paid.status_code == 201 and body.get("status") == "authorized" and body.get("booking_id")
    run.record(started, time.monotonic(), "paid" if ok else f"payment {paid.status_code}")


async def closed_loop(customers: list[Customer], args: argparse.Namespace) -> Run:
    """Every customer pays for hold after hold until the window closes."""
    start = time.monotonic() + args.warmup
    run = Run((start, start + args.duration), args.card)

    async def loop(customer: Customer) -> None:
        while time.monotonic() < run.window[1]:
            await pay_once(customer, run)

    await asyncio.gather(*(loop(c) for c in customers))
    return run


async def prepare(service: stack.Service, count: int) -> list[Customer]:
    """Payments required in `default`, and `count` signed-in customers with vehicles."""
    command_url = f"http://{stack.HOST}:{service.port}"
    admin = {"Authorization": f"Bearer {sign_in(command_url)}"}
    async with httpx.AsyncClient(base_url=command_url, timeout=30, headers=admin) as http:
        answer = await http.patch(
            f"/v1/organizations/{DEFAULT_ORGANIZATION_ID}", json={"payments": "required"}
        )
        answer.raise_for_status()
    vehicles = await register_vehicles(service, count * VEHICLES_PER_CUSTOMER)
    return [Customer(await _customer(command_url, i), vehicles[i::count]) for i in range(count)]


async def _customer(command_url: str, i: int) -> httpx.AsyncClient:
    email = f"payer-{i}-{uuid.uuid4().hex[:6]}@bench.example"
    http = httpx.AsyncClient(base_url=command_url, timeout=60)
    body = {"email": email, "password": PASSWORD, "name": f"Payer {i}"}
    (await http.post("/v1/auth/register", json=body)).raise_for_status()
    signed = await http.post("/v1/auth/token", json={"email": email, "password": PASSWORD})
    http.headers["Authorization"] = f"Bearer {signed.json()['access_token']}"
    return http


async def measure(args: argparse.Namespace, service: stack.Service) -> Run:
    customers = await prepare(service, args.customers)
    try:
        return await closed_loop(customers, args)
    finally:
        for customer in customers:
            await customer.http.aclose()


def render(args: argparse.Namespace, run: Run, code: str) -> tuple[str, bool]:
    """The figures as text, and whether every answer was the expected one."""
    ms = sorted(x * 1000 for x in run.latencies)
    bad = sum(n for outcome, n in run.statuses.items() if outcome != "paid")
    lines = [
        "# Payments: hold -> paid booking through the sandbox provider",
        f"code: {code}", *report.machine_lines(),
        f"customers: {args.customers} (closed loop), card {args.card}, "
        f"window {args.duration:.0f} s after {args.warmup:.0f} s warm-up",
        f"paid bookings in the window: {len(ms)} ({len(ms) / args.duration:.1f}/s)",
        f"latency ms: p50 {percentile(ms, 50):.1f}, p99 {percentile(ms, 99):.1f}, "
        f"max {ms[-1] if ms else 0:.1f}" if ms else "latency ms: no paid booking",
        f"outcomes (whole run): {dict(run.statuses)}",
    ]  # fmt: skip
    return "\n".join(lines) + "\n", bool(ms) and bad == 0


def start_sandbox(running: ExitStack, work_dir: Path, port: int, env: dict[str, str]) -> None:
    """The sandbox provider on `port` (one worker, its state under `work_dir`), stopped
    by PID when `running` closes."""
    env = {
        **env,
        "FLEET_STATE_DIR": str(work_dir / f"sandbox-{port}"),
        "FLEET_LOG_LEVEL": "WARNING",
    }
    log = work_dir / "sandbox.log"
    sandbox = services.start_service(services.SANDBOX_APP, port, 1, env, log, work_dir)
    running.callback(services.stop, sandbox)
    services.wait_ready(f"http://{stack.HOST}:{port}/healthz", sandbox, timeout_s=30)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    configure_logging("WARNING")
    work_dir = ROOT / ".fleetledger" / "bench-payments"
    work_dir.mkdir(parents=True, exist_ok=True)
    code = report.code_version()
    with stack.postgres(args.pg_dir) as pg, ExitStack() as running:
        dsn = running.enter_context(stack.fresh_database(pg, "bench_pay"))
        port, secret = free_port(), secrets.token_hex(32)
        paying = {"FLEET_SANDBOX_URL": f"http://{stack.HOST}:{port}",
                  "FLEET_SANDBOX_WEBHOOK_SECRET": secret}  # fmt: skip
        service = running.enter_context(
            stack.command_service(dsn, 1, work_dir, extra_env={**AUTH_ENV, **paying})
        )
        webhooks = f"http://{stack.HOST}:{service.port}/v1/payments/webhooks/sandbox"
        start_sandbox(running, work_dir, port, {"FLEET_SANDBOX_WEBHOOK_SECRET": secret,
                                                "FLEET_SANDBOX_WEBHOOK_URL": webhooks})  # fmt: skip
        run = asyncio.run(measure(args, service))
    text, ok = render(args, run, code)
    sys.stdout.write(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
