"""A tiny helper for hand-written SQL with optional filters and numbered $n parameters.

Every query of a read route starts from `scoped(reader)`, or appends `in_organization`:
the caller's organization is the first condition of everything it reads.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from query_service.api.context import Reader


class Filters:
    """WHERE conditions and their arguments; each `{}` in a condition becomes the next $n."""

    def __init__(self) -> None:
        self.args: list[Any] = []
        self._conditions: list[str] = []

    def param(self, value: Any) -> str:
        """Register `value` and return its placeholder."""
        self.args.append(value)
        return f"${len(self.args)}"

    def add(self, condition: str, *values: Any) -> None:
        """AND `condition`, its `{}` placeholders bound to `values` in order."""
        self._conditions.append(condition.format(*(self.param(v) for v in values)))

    def add_if(self, value: Any, condition: str) -> None:
        """AND `condition` (one `{}`) only when `value` is not None."""
        if value is not None:
            self.add(condition, value)

    def where(self) -> str:
        return "WHERE " + " AND ".join(self._conditions) if self._conditions else ""


def scoped(db: Reader, column: str = "organization_id") -> Filters:
    """Filters whose first condition is the reader's organization (none for the service)."""
    filters = Filters()
    filters.add_if(db.organization_id, f"{column} = {{}}")
    return filters


def in_organization(db: Reader, args: list[Any], column: str = "organization_id") -> str:
    """`AND column = $n` for the reader's organization, its value appended to `args`
    (an empty string for the service role, which reads every organization)."""
    if db.organization_id is None:
        return ""
    args.append(db.organization_id)
    return f" AND {column} = ${len(args)}"


def after_key(filters: Filters, columns: tuple[str, ...], after: tuple[Any, ...] | None) -> None:
    """Keyset condition: rows strictly after `after` in (columns) order."""
    if after is not None:
        slots = ", ".join("{}" for _ in columns)
        filters.add(f"({', '.join(columns)}) > ({slots})", *after)


def page_limit(limit: int) -> str:
    """`LIMIT` for a page of `limit` rows and the one that marks more, as a literal. With a
    $n limit the generic plan's estimate is a guess that looks dearer than the custom
    plans, so PostgreSQL planned every execution of a prepared page query afresh (about
    a fifth of availability's database time). `limit` is a validated int."""
    return f"LIMIT {int(limit) + 1}"


async def fetch_one(db: Reader, select: str, column: str, value: Any) -> asyncpg.Record | None:
    """The row of `select` whose `column` is `value`, if the reader's organization has it."""
    filters = scoped(db)
    filters.add(f"{column} = {{}}", value)
    row: asyncpg.Record | None = await db.fetchrow(f"{select} {filters.where()}", *filters.args)
    return row


async def fetch_page(
    db: Reader, select: str, filters: Filters, order: tuple[str, ...], limit: int
) -> list[asyncpg.Record]:
    """`limit + 1` rows of `select` under `filters` in `order` (the extra one marks more)."""
    sql = f"{select} {filters.where()} ORDER BY {', '.join(order)} {page_limit(limit)}"
    rows: list[asyncpg.Record] = await db.fetch(sql, *filters.args)
    return rows
