"""Swagger UI at /docs renders in headless Chromium with networking limited to loopback
(the page, its script and its styles come from the service itself, never from a CDN),
and its Authorize button signs in with the OAuth2 password flow on both services (the
query service relays the form to the command service, which alone issues tokens).

The `page` fixture (conftest) fails the test on any request off loopback and on any
browser console error."""

from __future__ import annotations

import uuid

import httpx
import pytest
from playwright.async_api import Page

from tests.pipeline.stack import Stack


async def open_swagger_ui(page: Page, url: str) -> None:
    """Swagger UI at `url`, rendered down to its operation blocks."""
    await page.goto(url, wait_until="networkidle", timeout=30_000)
    await page.wait_for_selector(".opblock", timeout=30_000)


@pytest.mark.parametrize(
    ("service", "path", "shows"),
    [("command", "/v1/auth/me", "email"), ("query", "/v1/bookings", '"items"')],
)
async def test_swagger_ui_renders_offline_and_its_authorize_button_signs_in(
    stack: Stack, page: Page, service: str, path: str, shows: str
):
    """One page load per service: Swagger UI renders a large document in seconds of
    Chromium's time on a slow box, and the sign-in starts from the rendered page."""
    email, password = f"swagger-{uuid.uuid4().hex[:8]}@example.org", "correct horse battery"
    async with httpx.AsyncClient(base_url=stack.command_url) as http:
        account = {"email": email, "password": password, "name": "Swagger"}
        assert (await http.post("/v1/auth/register", json=account)).status_code == 201

    await open_swagger_ui(
        page, f"{stack.command_url if service == 'command' else stack.query_url}/docs"
    )
    shown = [s.strip() for s in await page.locator(".opblock-summary-path").all_inner_texts()]
    title = await page.locator(".info .title").inner_text()
    assert f"Fleetledger {service} service" in title
    assert "/healthz" in shown and len(shown) >= 10, shown

    await page.click("button.authorize")
    oauth2 = page.locator(".auth-container", has_text="OAuth2Password")
    await oauth2.locator("#oauth_username").fill(email)
    await oauth2.locator("#oauth_password").fill(password)
    await oauth2.locator("button.authorize").click()
    await oauth2.get_by_text("Authorized", exact=True).wait_for(timeout=15_000)
    await oauth2.locator("button.btn-done").click()
    operation = page.locator(".opblock-get", has=page.locator(f"[data-path='{path}']"))
    await operation.locator(".opblock-summary").click()
    await operation.locator("button.try-out__btn").click()
    await operation.locator("button.execute").click()
    answer = operation.locator(".live-responses-table tbody .response-col_status").first
    await answer.wait_for(timeout=15_000)
    status = await answer.inner_text()
    body = await operation.locator(".live-responses-table").inner_text()

    assert status.strip().startswith("200"), body
    assert (email if shows == "email" else shows) in body
