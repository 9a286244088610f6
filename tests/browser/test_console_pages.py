"""Every console page renders at 1280x800 and 390x844 over a simulated fleet.

Each page is screenshotted (into $FLEET_SCREENSHOTS when set, as `make screenshots`
does, else a temporary folder); the guard fails the test on any console error or
request leaving the machine.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from shared.kit.auth.client import SignedIn
from tests.browser.conftest import SIZES, Guard, guarded_context, sign_in, watch
from tests.integration.conftest import new_vehicle
from tests.pipeline.stack import Stack

PAGES = ("fleet", "vehicle", "bookings", "maintenance", "analytics", "activity")


def shots_dir(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("FLEET_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def busiest_vehicle(stack: Stack, http: httpx.AsyncClient) -> str:
    """A vehicle with bookings from the simulator's last day on, for a full calendar."""
    answer = await http.get(
        f"{stack.query_url}/v1/bookings", params={"limit": 1, "status": "confirmed"}
    )
    return str(answer.json()["items"][-1]["vehicle_id"])


async def open_page(page: Page, stack: Stack, name: str, vehicle_id: str) -> None:
    target = f"vehicle/{vehicle_id}" if name == "vehicle" else name
    await page.goto(f"{stack.query_url}/console/#/{target}")
    await expect(page.locator("#page h1").first).to_be_visible()
    if name != "activity":
        await expect(page.locator("#page")).to_have_attribute("data-loaded", "true")


async def some_activity(stack: Stack, http: httpx.AsyncClient) -> None:
    for _ in range(3):
        answer = await http.post(f"{stack.command_url}/v1/vehicles", json=new_vehicle())
        assert answer.status_code == 201, answer.text


@pytest.mark.parametrize("size", sorted(SIZES))
async def test_every_page_renders_at_both_sizes(
    browser: Browser, simulated: Stack, size: str, tmp_path: Path
) -> None:
    guard, folder = Guard(), shots_dir(tmp_path)
    context = await guarded_context(browser, guard, size)
    auth = SignedIn(simulated.accounts.admin, simulated.command_url)
    try:
        page = watch(await context.new_page(), guard)
        await page.goto(f"{simulated.query_url}/console/")
        await expect(page.get_by_label("E-mail")).to_be_visible()
        await page.screenshot(path=folder / f"signin-{size}.png", full_page=True)
        await sign_in(page, simulated.query_url, simulated.accounts.admin)
        await expect(page.locator("#page[data-loaded]")).to_be_visible()
        async with httpx.AsyncClient(timeout=30, auth=auth) as http:
            vehicle_id = await busiest_vehicle(simulated, http)
            for name in PAGES:
                await open_page(page, simulated, name, vehicle_id)
                if name == "activity":
                    await some_activity(simulated, http)
                    await expect(page.locator(".activity li").first).to_be_visible()
                await page.screenshot(
                    path=folder / f"{name}-{size}.png", full_page=size == "desktop"
                )
    finally:
        await context.close()
    guard.check()
