"""A tiny helper for hand-written SQL with optional filters and numbered $n parameters."""

from __future__ import annotations

from typing import Any

import asyncpg


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


def after_key(filters: Filters, columns: tuple[str, ...], after: tuple[Any, ...] | None) -> None:
    """Keyset condition: rows strictly after `after` in (columns) order."""
    if after is not None:
        slots = ", ".join("{}" for _ in columns)
        filters.add(f"({', '.join(columns)}) > ({slots})", *after)


async def fetch_page(
    pool: asyncpg.Pool, select: str, filters: Filters, order: tuple[str, ...], limit: int
) -> list[asyncpg.Record]:
    """`limit + 1` rows of `select` under `filters` in `order` (the extra one marks more)."""
    sql = f"{select} {filters.where()} ORDER BY {', '.join(order)} LIMIT {filters.param(limit + 1)}"
    rows: list[asyncpg.Record] = await pool.fetch(sql, *filters.args)
    return rows
