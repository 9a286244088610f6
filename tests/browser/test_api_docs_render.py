"""Swagger UI at /docs renders in headless Chromium with networking limited to loopback
(the page, its script and its styles come from the service itself, never from a CDN),
and its Authorize button signs in with the OAuth2 password flow."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx
import pytest
import pytest_asyncio

from tests.conftest import Cluster
from tests.security.support import Deployment

if TYPE_CHECKING:
    from playwright.async_api import Page, Request, Route

CHROMIUM = Path("/usr/bin/chromium")
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
# Belt and braces: besides the request filter below, Chromium resolves no other host.
ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--no-sandbox"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")


@pytest_asyncio.fixture(scope="module")
async def services(
    cluster: Cluster, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Deployment]:
    """Both services as real processes on loopback, stopped by PID afterwards."""
    stack = Deployment(
        command_dsn=await cluster.create_database("docs_cmd"),
        query_dsn=await cluster.create_database("docs_qry"),
        log_dir=tmp_path_factory.mktemp("docs-logs"),
    )
    try:
        await stack.start_command()
        await stack.start_query()
        yield stack
    finally:
        stack.stop()


@dataclass
class Seen:
    """What the page tried to reach off loopback, and the script errors it raised."""

    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@asynccontextmanager
async def swagger_ui(url: str) -> AsyncIterator[tuple[Page, Seen]]:
    """Swagger UI at `url`, rendered, in a Chromium that reaches nothing but loopback."""
    from playwright.async_api import async_playwright

    seen = Seen()

    async def only_loopback(route: Route, request: Request) -> None:
        if urlsplit(request.url).hostname in LOOPBACK:
            await route.continue_()
        else:
            seen.outside.append(request.url)
            await route.abort()

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = await browser.new_page()
            await page.route("**/*", only_loopback)
            page.on("pageerror", lambda exc: seen.errors.append(str(exc)))
            await page.goto(url, wait_until="networkidle", timeout=30_000)
            await page.wait_for_selector(".opblock", timeout=30_000)
            yield page, seen
        finally:
            await browser.close()


@pytest.mark.parametrize("service", ["command", "query"])
async def test_swagger_ui_renders_every_operation_offline(services, service):
    base = services.command_url if service == "command" else services.query_url
    async with swagger_ui(f"{base}/docs") as (page, seen):
        shown = [s.strip() for s in await page.locator(".opblock-summary-path").all_inner_texts()]
        title = await page.locator(".info .title").inner_text()

    assert not seen.outside and not seen.errors, (seen.outside, seen.errors)
    assert f"Fleetledger {service} service" in title
    assert "/healthz" in shown and len(shown) >= 10, shown


async def test_the_authorize_button_signs_in_with_the_password_flow(services):
    email, password = f"swagger-{uuid.uuid4().hex[:8]}@example.org", "correct horse battery"
    async with httpx.AsyncClient(base_url=services.command_url) as http:
        account = {"email": email, "password": password, "name": "Swagger"}
        assert (await http.post("/v1/auth/register", json=account)).status_code == 201

    async with swagger_ui(f"{services.command_url}/docs") as (page, seen):
        await page.click("button.authorize")
        oauth2 = page.locator(".auth-container", has_text="OAuth2Password")
        await oauth2.locator("#oauth_username").fill(email)
        await oauth2.locator("#oauth_password").fill(password)
        await oauth2.locator("button.authorize").click()
        await oauth2.get_by_text("Authorized", exact=True).wait_for(timeout=15_000)
        await oauth2.locator("button.btn-done").click()
        me = page.locator(".opblock-get", has=page.locator("[data-path='/v1/auth/me']"))
        await me.locator(".opblock-summary").click()
        await me.locator("button.try-out__btn").click()
        await me.locator("button.execute").click()
        answer = me.locator(".live-responses-table tbody .response-col_status").first
        await answer.wait_for(timeout=15_000)
        status, body = (
            await answer.inner_text(),
            await me.locator(".live-responses-table").inner_text(),
        )

    assert not seen.outside, seen.outside
    assert status.strip().startswith("200"), body
    assert email in body
