"""What the security tests share: the running services, accounts, row counts, problems."""

from __future__ import annotations

import asyncio
import itertools
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from deploy import services
from deploy.accounts import StartupAccounts
from query_service.applier import PageApplier
from query_service.feed_client import event_of
from query_service.store.schemas import connect
from tests.loopback import Loopback

# Tables a refused request must leave alone (the event store and the identity tables).
WATCHED = ("events", "users", "refresh_tokens", "role_changes", "signing_keys", "idempotency_keys")
PASSWORD = "correct horse battery staple"
_serial = itertools.count(1)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """`response` is an RFC 9457 problem with `status`; returns its body."""
    assert response.status_code == status, (response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    return body


def assert_unauthenticated(response: httpx.Response) -> dict[str, Any]:
    """401 problem with an RFC 6750 Bearer challenge."""
    body = assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer ")
    return body


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{next(_serial)}-{uuid.uuid4().hex[:6]}@example.com"


@dataclass(frozen=True)
class Person:
    """A signed-in account: its id, e-mail, role and current token pair."""

    user_id: uuid.UUID
    email: str
    role: str
    access_token: str
    refresh_token: str

    @property
    def auth(self) -> dict[str, str]:
        return bearer(self.access_token)


@dataclass
class Ledger:
    """Row counts of the command database's watched tables."""

    pool: asyncpg.Pool

    async def counts(self) -> dict[str, int]:
        counts = {}
        for table in WATCHED:
            counts[table] = int(await self.pool.fetchval(f"SELECT count(*) FROM {table}"))
        return counts

    async def active_key(self) -> tuple[str, bytes]:
        """(kid, PKCS#8 DER private key) of the key the command service signs with."""
        row = await self.pool.fetchrow(
            "SELECT kid, private_key FROM signing_keys WHERE activates_at <= now()"
            " AND (retired_at IS NULL OR retired_at > now())"
        )
        return str(row["kid"]), bytes(row["private_key"])


@dataclass
class Deployment(Loopback):
    """The command and query services as real processes on loopback ports."""

    command_dsn: str
    query_dsn: str
    log_dir: Path
    command_env: dict[str, str] = field(default_factory=dict)
    accounts: StartupAccounts = field(default_factory=StartupAccounts.generate)
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    async def start_command(self) -> None:
        env = {
            **self.accounts.command_env(),
            "FLEET_KAFKA_BOOTSTRAP": "",
            "FLEET_LOG_LEVEL": "WARNING",
            "FLEET_COMMAND_POOL_MIN": "1",
            # No hold expires while a test counts rows (holds here live an hour).
            "FLEET_SWEEPER_INTERVAL_MS": "3600000",
            **self.command_env,
        }
        proc = services.start_command_service(
            self.command_port, self.command_dsn, env=env, log_path=self.log_dir / "command.log"
        )
        self.procs.append(proc)
        await asyncio.to_thread(services.wait_ready, f"{self.command_url}/readyz", proc, 60)

    async def start_query(self) -> None:
        env = {
            **self.accounts.query_env(),
            "FLEET_QUERY_DATABASE_URL": self.query_dsn,
            "FLEET_COMMAND_URL": self.command_url,
            "FLEET_QUERY_CONSUME": "false",
            "FLEET_QUERY_POOL_MIN": "1",
            "FLEET_LOG_LEVEL": "WARNING",
        }
        proc = services.start_service(
            services.QUERY_APP, self.query_port, env=env, log_path=self.log_dir / "query.log"
        )
        self.procs.append(proc)
        await asyncio.to_thread(services.wait_ready, f"{self.query_url}/readyz", proc, 60)

    def stop(self) -> None:
        for proc in reversed(self.procs):
            services.stop(proc)
        self.procs.clear()


@dataclass
class Projection:
    """Feeds the query database from the command service's catch-up feed.

    The query service runs without Kafka here, so the test projects the stored events
    itself with the service's own page applier, reading them over HTTP as the service account.
    """

    query_dsn: str
    command: httpx.AsyncClient
    auth: dict[str, str]
    after: int = 0

    async def catch_up(self) -> int:
        admin = await asyncpg.connect(self.query_dsn)
        try:
            schema = await admin.fetchval("SELECT schema_name FROM public.read_model_active")
        finally:
            await admin.close()
        conn = await connect(self.query_dsn, schema)
        applier = await PageApplier.create(conn)
        applied = 0
        try:
            while True:
                resp = await self.command.get(
                    "/v1/events", params={"after": self.after, "limit": 500}, headers=self.auth
                )
                assert resp.status_code == 200, resp.text
                body = resp.json()
                result = await applier.apply([event_of(item) for item in body["items"]])
                applied += len(result.applied)
                if not body["items"]:
                    return applied
                self.after = int(body["next_after"])
        finally:
            await conn.close()
