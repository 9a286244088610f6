"""Browser fixtures: the real stack as processes, Debian's chromium driven by Playwright.

Every page is guarded: a request to anything but loopback is aborted and fails the test,
and so do a token in any URL, any browser console error and any uncaught page error (a
test may name the HTTP error statuses it provokes on purpose).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, Route, async_playwright

from deploy.broker import EmbeddedBroker
from deploy.demo import DEMO_ENV
from deploy.simulator.config import SimConfig
from deploy.simulator.runner import simulate
from shared.kit.auth.client import Credentials, SignedIn
from shared.kit.kafka_admin import ensure_topic
from tests.pipeline.stack import Stack, wait_caught_up

CHROMIUM = "/usr/bin/chromium"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
# Not UTC, so the tests see times converted into the viewer's zone.
VIEWER_ZONE = ZoneInfo("Europe/Berlin")
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


async def start_stack(cluster: Any, bootstrap: str, log_dir: Path, **extra: Any) -> Stack:
    """Command service with relay, and query service, over fresh databases and topic."""
    topic = f"browser.{uuid.uuid4().hex[:8]}"
    await ensure_topic(bootstrap, topic, 4)
    stack = Stack(
        command_dsn=await cluster.create_database("console_cmd"),
        query_dsn=await cluster.create_database("console_query"),
        bootstrap=bootstrap,
        topic=topic,
        log_dir=log_dir,
        **extra,
    )
    stack.start_command()
    stack.start_query()
    return stack


@pytest.fixture(scope="session")
def console_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker]:
    """One embedded Kafka-protocol broker for the browser tests."""
    started = EmbeddedBroker(tmp_path_factory.mktemp("broker"))
    started.start()
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="session")
async def stack(
    cluster: Any, console_broker: EmbeddedBroker, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    """One stack for the browser tests that need no simulated clock."""
    log_dir = tmp_path_factory.mktemp("console")
    running = await start_stack(cluster, console_broker.bootstrap, log_dir)
    try:
        yield running
    finally:
        running.stop()


COMMAND_DEMO_ENV = {
    **DEMO_ENV,  # what `make demo` sets: demo mode, loopback-sized sign-up limits
    "FLEET_SWEEPER_INTERVAL_MS": "200",
    "FLEET_ARGON2_TIME_COST": "1",  # fast sign-ups; hashing strength is not under test
    "FLEET_ARGON2_MEMORY_KIB": "8192",
}


@pytest.fixture(scope="session")
async def simulated(
    cluster: Any, console_broker: EmbeddedBroker, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    """A demo stack filled by two simulated days of a small fleet (bounded: 30 s)."""
    stack = await start_stack(
        cluster,
        console_broker.bootstrap,
        Path(tmp_path_factory.mktemp("console-demo")),
        command_extra_env=COMMAND_DEMO_ENV,
        query_extra_env=DEMO_ENV,
    )
    try:
        admin = stack.accounts.admin
        config = SimConfig(
            seed=5, start=datetime(2030, 1, 7, tzinfo=UTC), vehicles=12, customers=24, days=2,
            max_seconds=30, url=stack.command_url, concurrency=6,
            bookings_per_customer_day=2.0, admin_email=admin.email,
            admin_password=admin.password, progress=False,
        )  # fmt: skip
        await simulate(config)
        await wait_caught_up(stack)
        yield stack
    finally:
        stack.stop()


@pytest.fixture
async def admin_api(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client signed in as the stack's admin."""
    auth = SignedIn(stack.accounts.admin, stack.command_url)
    async with httpx.AsyncClient(timeout=30, auth=auth) as http:
        yield http


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield launched
        finally:
            await launched.close()


@dataclass
class Guard:
    """What a page did that a test must not allow: outside requests, console errors."""

    outside: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    allowed_statuses: set[int] = field(default_factory=set)

    def allow_status(self, status: int) -> None:
        """Accept Chromium's 'Failed to load resource' message for this HTTP status."""
        self.allowed_statuses.add(status)

    def on_console(self, message: Any) -> None:
        if message.type != "error":
            return
        text = message.text
        if any(f"status of {s} " in text for s in self.allowed_statuses):
            return
        self.errors.append(text)

    async def on_route(self, route: Route) -> None:
        self.urls.append(route.request.url)
        host = urlsplit(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in LOOPBACK:
            await route.continue_()
            return
        self.outside.append(route.request.url)
        await route.abort()

    def check(self) -> None:
        assert not self.outside, f"requests left the machine: {self.outside}"
        assert not self.errors, f"browser console errors: {self.errors}"
        # Every JWT starts with the base64 of '{"': none may ever ride in a URL.
        assert not [u for u in self.urls if "eyJ" in u], "a token appeared in a URL"


async def guarded_context(browser: Browser, guard: Guard, size: str = "desktop") -> BrowserContext:
    context = await browser.new_context(
        viewport=SIZES[size],  # type: ignore[arg-type]
        timezone_id=VIEWER_ZONE.key,
    )
    await context.route("**/*", guard.on_route)
    return context


def watch(page: Page, guard: Guard) -> Page:
    page.on("console", guard.on_console)
    page.on("pageerror", lambda exc: guard.errors.append(f"page error: {exc}"))
    return page


@pytest.fixture
def guard() -> Guard:
    return Guard()


@pytest.fixture
async def context(browser: Browser, guard: Guard) -> AsyncIterator[BrowserContext]:
    """A fresh browser profile (no cookies) whose pages are all guarded."""
    ctx = await guarded_context(browser, guard)
    try:
        yield ctx
    finally:
        await ctx.close()
    guard.check()


@pytest.fixture
async def page(context: BrowserContext, guard: Guard) -> Page:
    return watch(await context.new_page(), guard)


async def show_week_of(page: Page, moment: datetime) -> None:
    """Page the vehicle calendar (week view, the default) to the week holding `moment`."""
    now = datetime.now(VIEWER_ZONE).isocalendar()
    target = moment.astimezone(VIEWER_ZONE).isocalendar()
    if (target.year, target.week) != (now.year, now.week):
        await page.get_by_role("button", name="Next").click()


async def sign_in(page: Page, base_url: str, who: Credentials) -> None:
    """Open the console and sign in through its form, by keyboard."""
    await page.goto(f"{base_url}/console/")
    await page.get_by_label("E-mail").fill(who.email)
    await page.get_by_label("Password").fill(who.password)
    await page.get_by_label("Password").press("Enter")
