"""Row-level security on the read models: the database's own check of the organization.

Every read of the API runs in a transaction that switches to the role `fleet_reader` and
sets the caller's organization (`fleet.organization`), or, for the `service` role,
`fleet.every_organization`. The policy (row_security.sql) shows a row only when its
organization_id equals the setting, so a query that forgets its organization filter
still sees nothing of another organization, and one made without the setting sees no row.
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


def reading_as(organization_id: UUID | None) -> str:
    """The statements that make a transaction read as one organization (None: every one)."""
    if organization_id is None:
        setting = "set_config('fleet.every_organization', 'on', true)"
    else:
        setting = f"set_config('fleet.organization', '{UUID(str(organization_id))}', true)"
    return f"SET LOCAL ROLE {READER_ROLE}; SELECT {setting}"
