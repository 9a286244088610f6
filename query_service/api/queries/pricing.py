"""Queries on the pricing read models, always within the reader's organization."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from query_service.api.context import Reader
from query_service.api.sql import after_key, fetch_one, fetch_page, scoped
from shared.contract.serialization import loads
from shared.pricing.priced import PolicyVersion
from shared.pricing.terms import PricingTerms

KIND = "pricing_policies"
ORDER = ("policy_id",)
_SELECT = (
    "SELECT policy_id, organization_id, version, terms, published_at, updated_at"
    " FROM pricing_policies"
)
_VERSIONS = (
    "SELECT policy_id, organization_id, version, terms, published_at FROM pricing_policy_versions"
)


def policy_item(row: asyncpg.Record) -> dict[str, Any]:
    """A policy as its current version left it (terms whole)."""
    return {**dict(row), "terms": loads(row["terms"])}


def version_item(row: asyncpg.Record) -> dict[str, Any]:
    return {"version": row["version"], "published_at": row["published_at"],
            "terms": loads(row["terms"])}  # fmt: skip


def sort_key(row: asyncpg.Record) -> tuple[UUID]:
    return (row["policy_id"],)


async def list_policies(
    db: Reader, *, after: tuple[Any, ...] | None, limit: int
) -> list[asyncpg.Record]:
    """The organization's policies, by id."""
    filters = scoped(db)
    after_key(filters, ORDER, after)
    return await fetch_page(db, _SELECT, filters, ORDER, limit)


async def get_policy(db: Reader, policy_id: UUID) -> asyncpg.Record | None:
    return await fetch_one(db, _SELECT, "policy_id", policy_id)


async def versions(db: Reader, policy_id: UUID, version: int | None = None) -> list[asyncpg.Record]:
    """The policy's versions, oldest first (only `version`, when given)."""
    filters = scoped(db)
    filters.add("policy_id = {}", policy_id)
    filters.add_if(version, "version = {}")
    rows: list[asyncpg.Record] = await db.fetch(
        f"{_VERSIONS} {filters.where()} ORDER BY version", *filters.args
    )
    return rows


async def policy_version(db: Reader, policy_id: UUID, version: int) -> PolicyVersion | None:
    """One version of one of the organization's policies, as the pricing engine takes it."""
    rows = await versions(db, policy_id, version)
    if not rows:
        return None
    row = rows[0]
    terms = PricingTerms.model_validate_json(row["terms"])
    return PolicyVersion(row["policy_id"], row["version"], row["organization_id"], terms)
