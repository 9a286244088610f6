"""Row-level security on the read models: the database's own check of the organization.

Every read of the API runs on a connection of the readers' pool, which is the role
`fleet_reader` for its whole life, with the caller's organization set on its session
(`fleet.organization`), or, for the `service` role, `fleet.every_organization`. The
policy (row_security.sql) shows a row only when its organization_id equals the setting,
so a query that forgets its organization filter still sees nothing of another
organization, and one made without the setting sees no row.

The settings are the session's, not a transaction's, so a read is one round trip, not
three (BEGIN with SET LOCAL, the query, COMMIT): each connection remembers the scope it
is set to and changes it only for a caller of another scope.
"""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import asyncpg

READER_ROLE = "fleet_reader"
POLICY_FILE = Path(__file__).with_name("row_security.sql")
# Created once per cluster; a concurrent creator loses the race on pg_authid's key.
_ROLE = (
    "DO $$ BEGIN CREATE ROLE fleet_reader NOLOGIN NOBYPASSRLS;"
    " EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
)
_ORGANIZED_TABLES = (
    "SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid"
    " WHERE c.relnamespace = $1::regnamespace AND c.relkind = 'r'"
    " AND a.attname = 'organization_id' AND NOT a.attisdropped ORDER BY 1"
)


async def secure_schema(conn: asyncpg.Connection, schema: str) -> list[str]:
    """Create the reader role if needed and guard every organized table of `schema` (inside
    the caller's transaction); returns the tables guarded."""
    await conn.execute(_ROLE)
    if not await conn.fetchval("SELECT pg_has_role(current_user, 'fleet_reader', 'MEMBER')"):
        await conn.execute("GRANT fleet_reader TO CURRENT_USER")  # so it may SET ROLE
    await conn.execute(f"GRANT USAGE ON SCHEMA {schema} TO fleet_reader")
    policy = POLICY_FILE.read_text()
    tables = [str(r[0]) for r in await conn.fetch(_ORGANIZED_TABLES, schema)]
    for table in tables:
        await conn.execute(policy.format(table=f"{schema}.{table}"))
    return tables


# Both settings at once, so that no scope survives the change to another.
_SET_SCOPE = (
    "SELECT set_config('fleet.organization', $1, false),"
    " set_config('fleet.every_organization', $2, false)"
)
_EVERY = "every organization"


async def become_reader(conn: asyncpg.Connection) -> None:
    """The readers' pool's setup of a new connection: it reads as fleet_reader from now on
    (the pool resets no session state, store/schemas.py)."""
    await conn.execute(f"SET ROLE {READER_ROLE}")


class ReaderConnection(asyncpg.Connection):  # type: ignore[misc]  # asyncpg is untyped
    """A connection of the readers' pool, which knows the scope its session reads in."""

    _scope: object = None  # unknown: set before the first read

    async def read_as(self, organization_id: UUID | None) -> None:
        """Make the session read as `organization_id` (None: every organization)."""
        scope = _EVERY if organization_id is None else organization_id
        if self._scope == scope:
            return
        # Unknown until the server confirms: a set cut short by a cancellation leaves the
        # next read to set it again, never to trust a scope the server may not have.
        self._scope = None
        org, every = ("", "on") if organization_id is None else (str(organization_id), "")
        await self.execute(_SET_SCOPE, org, every)
        self._scope = scope
