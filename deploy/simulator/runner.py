"""One simulation run: build the fleet, sign in, then step the simulated clock and act."""

from __future__ import annotations

import asyncio
import math
import random
import secrets
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from deploy.simulator import behaviour as bh
from deploy.simulator.client import Api, Principal, SimulatorError
from deploy.simulator.config import SimConfig
from deploy.simulator.fleet import CITIES, make_fleet
from deploy.simulator.identity import sign_in_admin, sign_in_everyone
from deploy.simulator.operations import operations
from deploy.simulator.planner import Planner, iso
from deploy.simulator.price_list import price_list, publish
from deploy.simulator.progress import Progress, Report
from deploy.simulator.world import Action, Customer, SimVehicle, World

FIRST = (
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Elif",
    "Felix",
    "Greta",
    "Hannes",
    "Ida",
    "Jonas",
    "Katrin",
    "Lukas",
    "Mia",
    "Noah",
    "Olga",
    "Paul",
    "Rosa",
    "Sven",
    "Tara",
    "Yusuf",
)
LAST = (
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Hoffmann",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Neumann",
    "Schwarz",
    "Yilmaz",
)


def build_world(config: SimConfig, start: datetime) -> tuple[World, list[str], random.Random]:
    """The fleet and customers; the behaviour Random, seeded, comes back for planning."""
    rng = random.Random(config.seed)
    ids_rng = random.Random(f"{config.seed}/{start.isoformat()}")  # VINs, plates: new per run
    fleet = make_fleet(rng, ids_rng, config.vehicles, start.year)
    world = World(start=start)
    world.vehicles = [SimVehicle(i, spec, spec.odometer_km) for i, spec in enumerate(fleet)]
    cities = {name: entry[3] for name, entry in CITIES.items()}
    names = []
    for n in range(config.customers):
        city = rng.choices(list(cities), weights=list(cities.values()))[0]
        customer_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        world.customers.append(Customer(n, f"c{n}", city, customer_id))
        names.append(f"{rng.choice(FIRST)} {rng.choice(LAST)}")
    return world, names, rng


async def _server_now(api: Api, admin: Principal | None) -> datetime:
    resp = await api.send("read_clock", admin, "GET", "/v1/dev/clock")
    if resp.status_code == 401:
        raise SimulatorError("the command service wants sign-in: run without --no-auth")
    if resp.status_code == 404:
        raise SimulatorError(
            "the command service has no simulated clock: start it with "
            "FLEET_ENV=demo FLEET_CLOCK=simulated (make demo does)"
        )
    if resp.status_code != 200:
        raise SimulatorError(f"reading the clock: {resp.status_code} {resp.text}")
    return datetime.fromisoformat(resp.json()["now"]).astimezone(UTC)


def first_start(server_now: datetime, wanted: datetime | None) -> datetime:
    """The wanted start (UTC), or the next midnight after the server's clock."""
    if wanted is not None:
        start = wanted if wanted.tzinfo else wanted.replace(tzinfo=UTC)
        if start.astimezone(UTC) < server_now:
            raise SimulatorError(f"--start lies before the server's clock {iso(server_now)}")
        return start.astimezone(UTC)
    return (server_now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)


async def set_clock(api: Api, admin: Principal | None, moment: datetime) -> None:
    resp = await api.send("set_clock", admin, "PUT", "/v1/dev/clock", {"now": iso(moment)})
    if resp.status_code != 200:
        raise SimulatorError(f"moving the clock to {iso(moment)}: {resp.status_code} {resp.text}")


async def execute(
    api: Api, actions: list[Action], who: dict[str, Principal], versions: dict[str, int]
) -> None:
    """Each vehicle's commands in plan order; different vehicles concurrently."""
    groups: dict[int, list[Action]] = {}
    for action in actions:
        groups.setdefault(action.vehicle, []).append(action)

    async def run(group: list[Action]) -> None:
        for action in group:
            resp = await api.send(
                action.kind, who.get(action.actor), action.method, action.path, action.body
            )
            body = _json(resp)
            if 200 <= resp.status_code < 300 and "vehicle_id" in body and "version" in body:
                key = str(body["vehicle_id"])
                versions[key] = max(versions.get(key, 0), int(body["version"]))
            action.on_result(resp.status_code, body)

    await asyncio.gather(*(run(group) for group in groups.values()))


def _json(resp: httpx.Response) -> dict[str, Any]:
    try:
        body = resp.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


async def simulate(config: SimConfig, transport: httpx.AsyncBaseTransport | None = None) -> Report:
    """Run the whole simulation against the command API (or `transport`, in tests)."""
    started = time.monotonic()
    api = Api(config.url, config.concurrency, config.auth, secrets.token_hex(4), transport)
    try:
        admin = await sign_in_admin(api, config) if config.auth else None
        start = first_start(await _server_now(api, admin), config.start)
        world, names, rng = build_world(config, start)
        who: dict[str, Principal] = {}
        if admin is not None:
            tag = f"{config.seed}-{start:%Y%m%d%H%M}-{secrets.token_hex(2)}"
            who = await sign_in_everyone(api, admin, world.customers, names, tag)
        return await _drive(api, config, Planner(world, rng, config), who, started)
    finally:
        await api.close()


async def _drive(
    api: Api, config: SimConfig, planner: Planner, who: dict[str, Principal], started: float
) -> Report:
    """Register the fleet, then step the clock: follow-ups first, then new demand."""
    world, admin, versions = planner.world, who.get("admin"), dict[str, int]()
    total = math.ceil(config.days * timedelta(days=1) / bh.STEP)
    with Progress(total, config.progress) as progress:
        await set_clock(api, admin, world.start)
        await publish_price_list(api, admin, world)
        await execute(api, planner.registrations(), who, versions)
        now, steps = world.start, 0
        while steps < total and time.monotonic() - started <= config.max_seconds:
            now = world.start + steps * bh.STEP
            await set_clock(api, admin, now)
            await execute(api, planner.follow_ups(now), who, versions)
            quotes, manager = planner.customer_requests(now), operations(planner, now)
            # The manager first, then every quote, then the bookings they led to: a
            # quote's demand figure then never depends on which answer came back first.
            await execute(api, manager, who, versions)
            await execute(api, quotes, who, versions)
            await execute(api, planner.decided(now), who, versions)
            steps += 1
            progress.update(steps, now, api.stats, outcomes=world.outcomes)
        progress.update(steps, now, api.stats, force=True, outcomes=world.outcomes)
    report = Report(world.start, now, steps, total, time.monotonic() - started, api.stats)
    report.outcomes, report.events = dict(world.outcomes), sum(versions.values())
    report.vehicles, report.customers = len(world.vehicles), len(world.customers)
    report.stopped_early, report.command_log = steps < total, world.log
    report.quotes = [world.quotes[seq] for seq in sorted(world.quotes)]
    return report


async def publish_price_list(api: Api, operator: Principal | None, world: World) -> None:
    """The fleet's pricing policies, one per make and model, before the fleet arrives."""
    models = {(v.spec.make, v.spec.model) for v in world.vehicles}
    world.prices = price_list(models, world.start.year)
    for terms in world.prices.values():
        published = await publish(api, operator, terms)
        world.outcomes["policies_replayed" if published.replayed else "policies_published"] += 1
