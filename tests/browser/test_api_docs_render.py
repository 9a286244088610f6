"""Swagger UI at /docs renders in headless Chromium with networking limited to loopback:
the page, its script and its styles come from the service itself, never from a CDN."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import pytest_asyncio

from tests.conftest import Cluster
from tests.security.support import Deployment

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


async def _render(url: str) -> tuple[list[str], list[str], str]:
    """Operations Swagger UI shows at `url`, requests it tried off loopback, and the title
    followed by any page errors."""
    from playwright.async_api import Request, Route, async_playwright

    outside: list[str] = []
    errors: list[str] = []

    async def only_loopback(route: Route, request: Request) -> None:
        if urlsplit(request.url).hostname in LOOPBACK:
            await route.continue_()
        else:
            outside.append(request.url)
            await route.abort()

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = await browser.new_page()
            await page.route("**/*", only_loopback)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            await page.goto(url, wait_until="networkidle", timeout=30_000)
            await page.wait_for_selector(".opblock", timeout=30_000)
            shown = await page.locator(".opblock-summary-path").all_inner_texts()
            title = await page.locator(".info .title").inner_text()
        finally:
            await browser.close()
    return [s.strip() for s in shown], outside, title + "".join(errors)


@pytest.mark.parametrize("service", ["command", "query"])
async def test_swagger_ui_renders_every_operation_offline(services, service):
    base = services.command_url if service == "command" else services.query_url
    shown, outside, title = await _render(f"{base}/docs")

    assert not outside, outside
    assert f"Fleetledger {service} service" in title
    assert "/healthz" in shown and len(shown) >= 10, shown
