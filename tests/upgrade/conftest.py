"""An installation of the release before organizations, upgraded in place.

The command database is rebuilt as the old release left it: only the migrations that
release had, then the fixture's rows restored raw. The NEW services then start on it
(applying the remaining migrations), with the old accounts as start-up accounts and a
topic the broker has never seen, as after a restart of the embedded broker: the relay
re-creates the topic and republishes the log, and the query service projects it.
"""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio

from command_service.store.migrate import MIGRATIONS_DIR, migrate
from deploy.accounts import StartupAccounts
from shared.kit.auth.client import Credentials
from tests.conftest import Cluster
from tests.pipeline.conftest import broker  # noqa: F401 (the session's embedded broker)
from tests.pipeline.stack import Stack, wait_caught_up
from tests.upgrade import fixture_rows
from tests.upgrade.fixture_rows import Fixture

FIXTURES = Path(__file__).parent / "fixtures"


def the_fixture() -> Fixture:
    """The one committed fixture (written by make_fixture.py from the old release)."""
    found = sorted(FIXTURES.glob("release-*.jsonl.gz"))
    assert len(found) == 1, f"expected one fixture in {FIXTURES}, found {found}"
    return fixture_rows.read(found[0])


def old_migrations(fixture: Fixture, into: Path) -> Path:
    """A folder with this tree's copies of exactly the migrations the old release had."""
    into.mkdir()
    for migration in fixture.header["migrations"]:
        source = MIGRATIONS_DIR / f"{migration['name']}.sql"
        shutil.copy(source, into / source.name)
    return into


def digest(name: str) -> str:
    return hashlib.sha256((MIGRATIONS_DIR / f"{name}.sql").read_text().encode()).hexdigest()


@dataclass
class Upgraded:
    """The upgraded stack, the fixture it started from, and sign-in for its accounts."""

    stack: Stack
    fixture: Fixture

    def account(self, who: str) -> dict[str, Any]:
        found: dict[str, Any] = next(a for a in self.fixture.header["accounts"] if a["as"] == who)
        return found

    async def auth(self, http: httpx.AsyncClient, who: str) -> dict[str, str]:
        """Sign in as one of the old release's accounts, with its old password."""
        account = self.account(who)
        resp = await http.post(
            f"{self.stack.command_url}/v1/auth/token",
            json={"email": account["email"], "password": account["password"]},
        )
        assert resp.status_code == 200, resp.text
        return {"Authorization": f"Bearer {resp.json()['access_token']}"}


async def restore_old_installation(cluster: Cluster, fixture: Fixture, work: Path) -> str:
    """A command database as the old release left it; returns its DSN."""
    dsn = await cluster.create_database("upgrade_cmd")
    conn = await asyncpg.connect(dsn)
    try:
        await migrate(conn, old_migrations(fixture, work / "old-migrations"))
        await fixture_rows.restore(conn, fixture)
        await fixture_rows.burn_transaction_ids(conn, fixture)
    finally:
        await conn.close()
    return dsn


@pytest.fixture(scope="package")
def old_store() -> Fixture:
    return the_fixture()


@pytest_asyncio.fixture(scope="package")
async def upgraded(
    cluster: Cluster,
    broker: Any,  # noqa: F811
    old_store: Fixture,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Upgraded]:
    """The new services on the restored database, caught up with the whole old log."""
    work = tmp_path_factory.mktemp("upgrade")
    people = old_store.header["accounts"]
    accounts = {a["as"]: Credentials(a["email"], a["password"]) for a in people}
    stack = Stack(
        command_dsn=await restore_old_installation(cluster, old_store, work),
        query_dsn=await cluster.create_database("upgrade_qry"),
        bootstrap=broker.bootstrap,
        topic=f"upgrade.{uuid.uuid4().hex[:8]}",  # never created: the relay must make it
        log_dir=work,
        # The old admin and service account; the start-up accounts of newer releases
        # (say, a platform admin) are generated as on any fresh start.
        accounts=replace(
            StartupAccounts.generate(), admin=accounts["admin"], service=accounts["service"]
        ),
    )
    try:
        await asyncio.to_thread(stack.start_command)
        await asyncio.to_thread(stack.start_query)
        await wait_caught_up(stack)
        yield Upgraded(stack, old_store)
    finally:
        stack.stop()


@pytest_asyncio.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client
