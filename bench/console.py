"""The console's fleet board at fleet scale: `python -m bench.console [--vehicles N]`.

Starts embedded PostgreSQL, the broker, both services; registers N vehicles (default
2,000) over the API; then, in headless Debian chromium, times (a) opening the signed-in
console until the board shows every vehicle, and (b) from a booking's 201 to the moment
that vehicle's row on the board is redrawn by the change stream. Prints both.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import BrowserContext, Page, async_playwright

from bench.auth import ACCOUNTS
from bench.pipeline_stack import broker, command_service, query_service
from bench.stack import fresh_database, postgres
from shared.kit.auth.client import SignedIn
from shared.kit.kafka_admin import ensure_topic
from shared.kit.logs import configure_logging

CHROMIUM = "/usr/bin/chromium"
LOADS = 5
UPDATES = 10
# Resolves when a row for `id` is (re)inserted into the board; the value is Date.now().
_ROW_REDRAWN = """(id) => new Promise((resolve) => {
  const body = document.querySelector("table.board tbody");
  new MutationObserver((records, observer) => {
    for (const r of records) for (const n of r.addedNodes) {
      if (n.dataset && n.dataset.vehicleId === id) { observer.disconnect(); resolve(Date.now()); }
    }
  }).observe(body, { childList: true });
})"""


# Milestones after navigation start: board request sent, its last byte, rows built.
_MILESTONES = """() => {
  const e = performance.getEntriesByType("resource").find((r) => r.name.endsWith("/board"));
  const built = performance.getEntriesByName("fleet-board-rendered")[0];
  return [e.requestStart, e.responseEnd, built.startTime];
}"""


def vehicle(n: int) -> dict[str, Any]:
    return {
        "vin": f"WVWZZZ1JZXB{n:06d}", "plate": f"B-CB {n:04d}", "make": "Volkswagen",
        "model": "Golf", "year": 2024, "seats": 5, "hourly_rate_cents": 1200,
        "daily_rate_cents": 6000, "currency": "EUR", "odometer_km": 1000 + n,
        "home": {"lat": 52.4 + n % 50 / 250, "lon": 13.3 + n % 40 / 200},
    }  # fmt: skip


async def register(http: httpx.AsyncClient, count: int) -> list[str]:
    """Register `count` vehicles, 16 requests in flight."""
    gate, ids = asyncio.Semaphore(16), []

    async def one(n: int) -> None:
        async with gate:
            answer = await http.post("/v1/vehicles", json=vehicle(n))
            answer.raise_for_status()
            ids.append(answer.json()["vehicle_id"])

    await asyncio.gather(*(one(n) for n in range(count)))
    return ids


async def wait_projected(query_url: str, token: str, count: int) -> None:
    """Until the read side lists every vehicle."""
    async with httpx.AsyncClient(base_url=query_url, timeout=30) as http:
        while True:
            seen, cursor = 0, None
            while True:
                params = {"limit": 500, **({"cursor": cursor} if cursor else {})}
                page = (await http.get("/v1/vehicles", params=params, headers=bearer(token))).json()
                seen += len(page["items"])
                if not (cursor := page["next_cursor"]):
                    break
            if seen >= count:
                return
            await asyncio.sleep(0.5)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def board_load_ms(
    context: BrowserContext, query_url: str, count: int
) -> tuple[float, list[float]]:
    """A fresh tab (the session cookie only): navigation until every row is painted."""
    page = await context.new_page()
    started = time.perf_counter()
    await page.goto(f"{query_url}/console/#/fleet")
    await page.wait_for_function(
        "(n) => document.querySelectorAll('table.board tbody tr').length >= n", arg=count
    )
    await page.evaluate("() => new Promise(requestAnimationFrame)")  # painted
    elapsed = (time.perf_counter() - started) * 1000
    milestones = await page.evaluate(_MILESTONES)
    await page.close()
    return elapsed, milestones


async def update_ms(page: Page, http: httpx.AsyncClient, vehicle_id: str, day: int) -> float:
    redrawn = asyncio.ensure_future(page.evaluate(_ROW_REDRAWN, vehicle_id))
    await asyncio.sleep(0.05)  # the observer is installed
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2 + day)
    body = {"vehicle_id": vehicle_id, "start": start.isoformat(),
            "end": (start + timedelta(hours=2)).isoformat()}  # fmt: skip
    answer = await http.post("/v1/bookings", json=body)
    created_ms = time.time() * 1000
    assert answer.status_code == 201, answer.text
    return float(await redrawn) - created_ms


async def in_browser(query_url: str, command_url: str, ids: list[str]) -> None:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        context = await browser.new_context(viewport={"width": 1280, "height": 800})
        page = await context.new_page()
        await page.goto(f"{query_url}/console/")
        await page.get_by_label("E-mail").fill(ACCOUNTS.admin.email)
        await page.get_by_label("Password").fill(ACCOUNTS.admin.password)
        await page.get_by_label("Password").press("Enter")
        await page.wait_for_selector("table.board tbody tr")
        runs = [await board_load_ms(context, query_url, len(ids)) for _ in range(LOADS)]
        loads = [r[0] for r in runs]
        sent, received, built = (statistics.median(r[1][i] for r in runs) for i in range(3))
        auth = SignedIn(ACCOUNTS.admin, command_url)
        async with httpx.AsyncClient(base_url=command_url, timeout=30, auth=auth) as http:
            updates = [await update_ms(page, http, ids[i * 37], i) for i in range(UPDATES)]
        await browser.close()
    sys.stdout.write(
        f"fleet board, {len(ids)} vehicles, headless chromium 1280x800:\n"
        f"  load and render  median {statistics.median(loads):.0f} ms,"
        f" max {max(loads):.0f} ms over {LOADS} loads (target <= 1000 ms);"
        f"\n  after navigation start (medians): board requested {sent:.0f} ms,"
        f" received {received:.0f} ms, rows built {built:.0f} ms\n"
        f"  201 -> row redrawn  median {statistics.median(updates):.0f} ms,"
        f" max {max(updates):.0f} ms over {UPDATES} bookings\n"
    )


def run(count: int, work: Path) -> None:
    """The stack around the measurement; every process and database is gone on exit."""
    topic = f"bench.console.{uuid.uuid4().hex[:6]}"
    with postgres(work / "pg") as pg, broker(work) as kafka:
        asyncio.run(ensure_topic(kafka.bootstrap, topic, 12))
        with (
            fresh_database(pg, "console_cmd") as cmd_dsn,
            fresh_database(pg, "console_query") as query_dsn,
            command_service("command", cmd_dsn, work, kafka.bootstrap, topic) as command,
            query_service("query", query_dsn, work, command.url, kafka.bootstrap, topic) as query,
        ):
            asyncio.run(measure(count, command.url, query.url))


async def measure(count: int, command_url: str, query_url: str) -> None:
    auth = SignedIn(ACCOUNTS.admin, command_url)
    async with httpx.AsyncClient(base_url=command_url, timeout=60, auth=auth) as http:
        ids = await register(http, count)
    token = (await http_token(command_url))["access_token"]
    await wait_projected(query_url, token, count)
    await in_browser(query_url, command_url, ids)


async def http_token(command_url: str) -> dict[str, Any]:
    body = {"email": ACCOUNTS.admin.email, "password": ACCOUNTS.admin.password}
    async with httpx.AsyncClient(base_url=command_url, timeout=30) as http:
        answer: dict[str, Any] = (await http.post("/v1/auth/token", json=body)).json()
        return answer


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.console")
    parser.add_argument("--vehicles", type=int, default=2000)
    args = parser.parse_args()
    configure_logging("WARNING")
    with tempfile.TemporaryDirectory(prefix="bench-console-") as work:
        run(args.vehicles, Path(work))


if __name__ == "__main__":
    main()
