"""Same seed and start, same commands: whatever order the replies come back in."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from deploy.simulator import behaviour as bh
from deploy.simulator.config import SimConfig, parse_args
from deploy.simulator.runner import simulate
from tests.unit.simulator_fake import FakeCommandApi

START = datetime(2030, 1, 7, tzinfo=UTC)  # a Monday
CONFIG = SimConfig(
    seed=7, vehicles=40, customers=40, days=2, url="http://fake", auth=False, progress=False
)


async def _log(config: SimConfig, fake: FakeCommandApi | None = None) -> list[tuple]:
    fake = fake or FakeCommandApi()
    report = await simulate(config, transport=fake.transport())
    return report.command_log


async def test_same_seed_gives_the_same_commands_at_any_concurrency() -> None:
    first = await _log(CONFIG)
    assert first == await _log(replace(CONFIG, concurrency=1))
    kinds = {entry[0] for entry in first}
    assert {"register_vehicle", "book", "place_hold", "start_trip", "end_trip"} <= kinds
    assert len(first) > 150


async def test_another_seed_gives_other_commands() -> None:
    assert await _log(CONFIG) != await _log(replace(CONFIG, seed=8))


async def test_the_first_step_is_the_next_midnight_and_the_clock_only_moves_forward() -> None:
    fake = FakeCommandApi(now="2030-01-06T22:10:00Z")
    await _log(replace(CONFIG, days=0.5), fake)
    moments = [body["now"] for method, path, body in fake.bodies if method == "PUT"]
    assert moments[0] == "2030-01-07T00:00:00Z"
    assert moments == sorted(moments) and len(moments) == 49


async def test_without_auth_the_body_names_the_customer() -> None:
    fake = FakeCommandApi()
    await _log(CONFIG, fake)
    windows = [b for m, p, b in fake.bodies if p in ("/v1/holds", "/v1/bookings")]
    assert windows and all("customer_id" in b for b in windows)


async def test_with_auth_customers_use_their_own_tokens(tmp_path) -> None:
    creds = tmp_path / "credentials.json"
    creds.write_text('{"admin": {"email": "admin@x.test", "password": "pw"}}')
    fake = FakeCommandApi()
    await _log(replace(CONFIG, auth=True, admin_credentials=creds, days=0.5), fake)
    assert fake.calls["POST /v1/auth/register"] == CONFIG.customers + 1  # + the manager
    assert fake.calls["POST /v1/users/{id}/role"] == 1
    assert fake.calls["POST /v1/auth/token"] == CONFIG.customers + 2
    windows = [b for m, p, b in fake.bodies if p in ("/v1/holds", "/v1/bookings")]
    assert windows and not any("customer_id" in b for b in windows)


async def test_odometer_readings_never_decrease_per_vehicle() -> None:
    readings = defaultdict(list)
    for kind, vehicle, _, _, _, body in await _log(replace(CONFIG, days=4)):
        if kind in ("start_trip", "end_trip", "complete_maintenance"):
            readings[vehicle].append(int(body.split("'odometer_km', '")[1].split("'")[0]))
    assert readings and all(r == sorted(r) for r in readings.values())


def test_wanted_windows_respect_the_booking_rules() -> None:
    rng = random.Random(1)
    now = START
    for _ in range(5000):
        now += bh.STEP
        start, end = bh.booking_window(rng, now)
        assert start > now and start.minute % 15 == 0
        assert timedelta(minutes=15) <= end - start <= timedelta(days=30)
        fate = bh.booking_fate(rng, now, start, end)
        if fate.kind == "trip":
            assert start - timedelta(minutes=15) <= fate.at < end + timedelta(minutes=15)
            assert fate.until is not None and fate.until > fate.at and fate.km >= 1
        if fate.kind == "cancel":
            assert now < fate.at < start


def test_command_line_defaults() -> None:
    config = parse_args(["--seed", "3", "--no-auth", "--days", "1.5"])
    assert (config.seed, config.auth, config.days, config.vehicles) == (3, False, 1.5, 200)
