"""Analytics charts after a short simulator run (demo mode, simulated clock)."""

from __future__ import annotations

from typing import Any

from playwright.async_api import Page, expect

from tests.browser.conftest import sign_in
from tests.pipeline.stack import Stack


def chart(page: Page, label: str) -> Any:
    return page.locator(f'svg[aria-label^="{label}"]')


async def test_after_a_simulator_run_the_analytics_charts_show_data(
    page: Page, simulated: Stack
) -> None:
    await sign_in(page, simulated.query_url, simulated.accounts.admin)
    await page.get_by_role("link", name="Analytics").click()
    await expect(page.locator("#page")).to_have_attribute("data-loaded", "true")
    for label in ("Fleet utilization", "Revenue by day", "Price per booked hour", "Peak hours"):
        nonzero = await chart(page, label).first.get_attribute("data-nonzero")
        assert int(nonzero or 0) > 0, label
    bookings = await page.locator("dl.tiles").get_attribute("data-bookings")
    assert int(bookings or 0) > 0
