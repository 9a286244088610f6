"""The operator console in a real browser against the real stack."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect
from playwright.async_api import Error as PlaywrightError

from shared.kit.auth.client import Credentials
from tests.browser.conftest import (
    VIEWER_ZONE,
    Guard,
    guarded_context,
    show_week_of,
    sign_in,
    watch,
)
from tests.integration.conftest import new_vehicle
from tests.pipeline.stack import Stack


async def register(api: httpx.AsyncClient, stack: Stack, **overrides: Any) -> dict[str, Any]:
    answer = await api.post(f"{stack.command_url}/v1/vehicles", json=new_vehicle(**overrides))
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


async def book(
    api: httpx.AsyncClient, stack: Stack, vehicle_id: str, days_ahead: float
) -> dict[str, Any]:
    # 11:00 in the viewer's zone of that day: a block drawn on that one day only.
    day = (datetime.now(UTC) + timedelta(days=days_ahead)).astimezone(VIEWER_ZONE)
    start = day.replace(hour=11, minute=0, second=0, microsecond=0).astimezone(UTC)
    body = {
        "vehicle_id": vehicle_id,
        "start": start.isoformat(),
        "end": (start + timedelta(hours=3)).isoformat(),
    }
    answer = await api.post(f"{stack.command_url}/v1/bookings", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


async def read_until(api: httpx.AsyncClient, url: str, status: str) -> dict[str, Any]:
    """The read side's answer once it shows `status` (projections lag by milliseconds)."""
    deadline = time.monotonic() + 5
    while True:
        body: dict[str, Any] = (await api.get(url)).json()
        if body["status"] == status or time.monotonic() > deadline:
            assert body["status"] == status, body
            return body
        await asyncio.sleep(0.05)


async def new_customer(stack: Stack) -> Credentials:
    who = Credentials(f"c-{uuid.uuid4().hex[:8]}@example.org", "correct horse battery")
    async with httpx.AsyncClient(base_url=stack.command_url, timeout=30) as http:
        body = {"email": who.email, "password": who.password, "name": "Cleo"}
        assert (await http.post("/v1/auth/register", json=body)).status_code == 201
    return who


async def test_signs_in_shows_the_fleet_board_and_signs_out(
    page: Page, context: BrowserContext, stack: Stack, admin_api: httpx.AsyncClient
) -> None:
    vehicle = await register(admin_api, stack)
    await sign_in(page, stack.query_url, stack.accounts.admin)
    row = page.locator(f'tr[data-vehicle-id="{vehicle["vehicle_id"]}"]')
    await expect(row).to_contain_text("available")
    await expect(page.locator("#tz")).to_have_text("Europe/Berlin")
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_label("E-mail")).to_be_visible()
    assert not [c for c in await context.cookies() if c["name"].startswith("fleet_console")]
    assert (await context.request.get(f"{stack.query_url}/v1/vehicles")).status == 401


async def test_a_booking_posted_through_the_api_appears_on_the_calendar_within_2_s(
    page: Page, stack: Stack, admin_api: httpx.AsyncClient
) -> None:
    vehicle = await register(admin_api, stack)
    await sign_in(page, stack.query_url, stack.accounts.admin)
    await page.locator(f'tr[data-vehicle-id="{vehicle["vehicle_id"]}"] a').click()
    await expect(page.get_by_role("group", name="Calendar")).to_be_visible()
    await show_week_of(page, datetime.now(UTC) + timedelta(days=1))
    booking = await book(admin_api, stack, vehicle["vehicle_id"], days_ahead=1)
    block = page.locator(f'.timeline [data-block-id="{booking["booking_id"]}"]')
    await expect(block).to_be_visible(timeout=2000)


async def test_the_board_updates_live_when_a_vehicle_changes_status(
    page: Page, stack: Stack, admin_api: httpx.AsyncClient
) -> None:
    vehicle = await register(admin_api, stack)
    await sign_in(page, stack.query_url, stack.accounts.admin)
    row = page.locator(f'tr[data-vehicle-id="{vehicle["vehicle_id"]}"]')
    await expect(row).to_have_attribute("data-status", "available")
    body = {"status": "inactive", "reason": "tyres"}
    url = f"{stack.command_url}/v1/vehicles/{vehicle['vehicle_id']}/status"
    assert (await admin_api.post(url, json=body)).status_code == 200
    await expect(row).to_have_attribute("data-status", "inactive", timeout=5000)


async def test_a_cancellation_made_in_the_console_changes_what_the_api_answers(
    page: Page, stack: Stack, admin_api: httpx.AsyncClient
) -> None:
    vehicle = await register(admin_api, stack)
    booking = await book(admin_api, stack, vehicle["vehicle_id"], days_ahead=3)
    await sign_in(page, stack.query_url, stack.accounts.admin)
    await page.goto(f"{stack.query_url}/console/#/bookings/{vehicle['vehicle_id']}")
    await page.locator(f'[data-cancel="{booking["booking_id"]}"]').click()
    await expect(page.locator(".refund")).to_contain_text("100 %")
    await page.get_by_label("Reason").fill("customer called")
    await page.get_by_role("button", name="Confirm cancellation").click()
    await expect(page.get_by_text("Cancelled. Refunded")).to_be_visible()
    seen = await read_until(
        admin_api, f"{stack.query_url}/v1/bookings/{booking['booking_id']}", "cancelled"
    )
    assert seen["refund_cents"] == booking["price_cents"]  # 3 days ahead: 100 %


async def test_a_bookings_price_opens_to_the_breakdown_it_was_derived_from(
    page: Page, stack: Stack, admin_api: httpx.AsyncClient
) -> None:
    vehicle = await register(admin_api, stack)
    booking = await book(admin_api, stack, vehicle["vehicle_id"], days_ahead=4)
    seen = await read_until(
        admin_api, f"{stack.query_url}/v1/bookings/{booking['booking_id']}", "confirmed"
    )
    await sign_in(page, stack.query_url, stack.accounts.admin)
    await page.goto(f"{stack.query_url}/console/#/bookings/{vehicle['vehicle_id']}")
    row = page.locator(f'tr[data-booking-id="{booking["booking_id"]}"]')
    await row.locator("details.breakdown summary").click()
    lines = row.get_by_role("list", name="Price breakdown").locator("li")
    # no policy matches this vehicle: one line, priced by its own rates
    [line] = seen["breakdown"]
    assert line["amount_cents"] == seen["price_cents"]
    await expect(lines).to_have_count(1)
    await expect(lines.first).to_contain_text(line["label"])
    await expect(row).to_contain_text("Priced by the vehicle's own rates.")


async def test_a_409_shows_the_conflicting_blocks(
    page: Page, guard: Guard, stack: Stack, admin_api: httpx.AsyncClient
) -> None:
    guard.allow_status(409)
    vehicle = await register(admin_api, stack)
    booking = await book(admin_api, stack, vehicle["vehicle_id"], days_ahead=2)
    await sign_in(page, stack.query_url, stack.accounts.admin)
    await page.goto(f"{stack.query_url}/console/#/vehicle/{vehicle['vehicle_id']}")
    form = page.locator("form.action").filter(has_text="Schedule maintenance")
    start = datetime.fromisoformat(booking["start"]).astimezone(VIEWER_ZONE) - timedelta(hours=1)
    await form.get_by_label("Start").fill(start.strftime("%Y-%m-%dT%H:%M"))
    await form.get_by_label("End").fill((start + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M"))
    await form.get_by_label("Reason").fill("brakes")
    await form.get_by_role("button", name="Schedule").click()
    await expect(form.locator(".conflicts")).to_contain_text(booking["booking_id"][:8])


async def test_a_customer_gets_the_sign_in_page_and_no_data(
    page: Page, guard: Guard, context: BrowserContext, stack: Stack
) -> None:
    guard.allow_status(403)
    customer = await new_customer(stack)
    await sign_in(page, stack.query_url, customer)
    await expect(page.locator("#signin-error")).to_contain_text("fleet managers and admins")
    await expect(page.locator("#page")).to_be_hidden()
    assert not [c for c in await context.cookies() if c["name"].startswith("fleet_console")]
    # Even holding a customer's valid access token in the cookie opens nothing.
    async with httpx.AsyncClient(base_url=stack.command_url, timeout=30) as http:
        body = {"email": customer.email, "password": customer.password}
        token = (await http.post("/v1/auth/token", json=body)).json()["access_token"]
    cookie = {"name": "fleet_console", "value": token, "url": stack.query_url}
    await context.add_cookies([cookie])  # type: ignore[list-item]
    await page.reload()
    await expect(page.get_by_label("E-mail")).to_be_visible()
    for path in ("/console/api/board", "/v1/bookings", "/v1/vehicles", "/v1/stream"):
        assert (await context.request.get(stack.query_url + path)).status == 401, path


async def test_the_guard_fails_on_outside_requests_and_console_errors(
    browser: Browser, stack: Stack
) -> None:
    guard = Guard()
    context = await guarded_context(browser, guard)
    try:
        page = watch(await context.new_page(), guard)
        await page.goto(f"{stack.query_url}/console/")
        await page.evaluate("console.error('something broke')")
        with pytest.raises(PlaywrightError):
            await page.goto("http://192.0.2.1/")
    finally:
        await context.close()
    assert guard.outside == ["http://192.0.2.1/"]
    assert guard.errors == ["something broke"]
    with pytest.raises(AssertionError):
        guard.check()


async def test_a_hold_on_the_calendar_counts_down_to_its_expiry(
    page: Page, stack: Stack, admin_api: httpx.AsyncClient
) -> None:
    vehicle = await register(admin_api, stack)
    # Mid-morning tomorrow: a block crossing midnight is drawn on both days it touches.
    start = (datetime.now(UTC) + timedelta(days=1)).replace(hour=9, minute=0, second=0,
                                                            microsecond=0)  # fmt: skip
    body = {
        "vehicle_id": vehicle["vehicle_id"], "start": start.isoformat(),
        "end": (start + timedelta(hours=1)).isoformat(), "ttl_seconds": 600,
    }  # fmt: skip
    hold = (await admin_api.post(f"{stack.command_url}/v1/holds", json=body)).json()
    await sign_in(page, stack.query_url, stack.accounts.admin)
    await page.goto(f"{stack.query_url}/console/#/vehicle/{vehicle['vehicle_id']}")
    await show_week_of(page, start)
    label = page.locator(f'.timeline [data-block-id="{hold["hold_id"]}"] .blk-label')
    await expect(label).to_contain_text("expires in 9:")
    first = await label.text_content()
    await expect(label).not_to_have_text(first or "", timeout=3000)


async def test_a_started_maintenance_window_is_completed_from_the_vehicle_page(
    page: Page, stack: Stack, admin_api: httpx.AsyncClient
) -> None:
    vehicle = await register(admin_api, stack)
    start = datetime.now(UTC) - timedelta(minutes=2)
    body = {"start": start.isoformat(), "end": (start + timedelta(hours=3)).isoformat(),
            "reason": "oil"}  # fmt: skip
    url = f"{stack.command_url}/v1/vehicles/{vehicle['vehicle_id']}/maintenance"
    maintenance = (await admin_api.post(url, json=body)).json()
    await sign_in(page, stack.query_url, stack.accounts.admin)
    await page.goto(f"{stack.query_url}/console/#/vehicle/{vehicle['vehicle_id']}")
    row = page.locator(f'tr[data-block-id="{maintenance["maintenance_id"]}"]')
    await row.get_by_label("Odometer at completion (km)").fill("1250")
    await row.get_by_role("button", name="Complete").click()
    seen = await read_until(
        admin_api, f"{stack.query_url}/v1/maintenance/{maintenance['maintenance_id']}", "completed"
    )
    assert seen["status"] == "completed"
