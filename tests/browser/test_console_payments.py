"""The console shows each booking's payment: on the bookings page (status and money) and
on the fleet board (the next booking's payment), from the payments read model."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from playwright.async_api import Page, expect

from shared.contract.organizations import DEFAULT_ORGANIZATION_ID
from tests.browser.conftest import sign_in
from tests.browser.test_console import book, register
from tests.payment_streams import DEPOSIT_CENTS, record_payment
from tests.pipeline.stack import Stack


async def paid_state(api: httpx.AsyncClient, stack: Stack, booking_id: str) -> dict[str, Any]:
    """The booking's payment once the read side shows it captured."""
    deadline = time.monotonic() + 5
    while True:
        body = (await api.get(f"{stack.query_url}/v1/bookings/{booking_id}")).json()
        payment: dict[str, Any] | None = body.get("payment")
        if (payment and payment["status"] == "captured") or time.monotonic() > deadline:
            assert payment is not None and payment["status"] == "captured", body
            return payment
        await asyncio.sleep(0.05)


async def test_each_booking_shows_its_payment_state_and_money(
    page: Page, stack: Stack, admin_api: httpx.AsyncClient
) -> None:
    vehicle = await register(admin_api, stack)
    paid = await book(admin_api, stack, vehicle["vehicle_id"], days_ahead=1)
    unpaid = await book(admin_api, stack, vehicle["vehicle_id"], days_ahead=2)
    org = str(DEFAULT_ORGANIZATION_ID)
    await record_payment(stack.command_dsn, org, paid, paid["customer_id"], captured=True)
    payment = await paid_state(admin_api, stack, paid["booking_id"])
    await sign_in(page, stack.query_url, stack.accounts.admin)

    await page.goto(f"{stack.query_url}/console/#/bookings/{vehicle['vehicle_id']}")
    cell = page.locator(f'tr[data-booking-id="{paid["booking_id"]}"] td.payment')
    none = page.locator(f'tr[data-booking-id="{unpaid["booking_id"]}"] td.payment')

    await expect(cell).to_have_attribute("data-payment", "captured")
    amounts = cell.locator(".amounts")
    await expect(amounts).to_contain_text("authorized")
    await expect(amounts).to_contain_text("captured")
    await expect(amounts).to_contain_text("voided")
    await expect(amounts).not_to_contain_text("refunded")  # nothing was refunded
    await expect(none).to_have_attribute("data-payment", "none")
    assert payment["captured_cents"] == paid["price_cents"]
    assert payment["voided_cents"] == DEPOSIT_CENTS

    await page.goto(f"{stack.query_url}/console/#/fleet")
    row = page.locator(f'tr[data-vehicle-id="{vehicle["vehicle_id"]}"] td.booking')
    await expect(row).to_contain_text("payment captured")
