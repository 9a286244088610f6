"""The quotes table: a quote's price, kept until it expires (and a while after)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from shared.contract.serialization import dumps
from shared.pricing.priced import Priced

_INSERT = """
INSERT INTO quotes (quote_id, organization_id, vehicle_id, start_at, end_at, extras, priced,
                    expires_at, created_by)
VALUES ($1, $2, $3, $4, $5, $6::text[], $7::jsonb, $8, $9)
"""
_SELECT = """
SELECT quote_id, organization_id, vehicle_id, start_at, end_at, extras, priced::text,
       expires_at
FROM quotes WHERE quote_id = $1
"""


@dataclass(frozen=True)
class Quote:
    """A price decided for one vehicle and window, valid until `expires_at`."""

    quote_id: UUID
    organization_id: UUID
    vehicle_id: UUID
    start: datetime
    end: datetime
    extras: tuple[str, ...]
    priced: Priced
    expires_at: datetime


async def save_quote(db: asyncpg.Connection | asyncpg.Pool, quote: Quote, created_by: str) -> None:
    """Keep a new quote."""
    await db.execute(
        _INSERT,
        quote.quote_id,
        quote.organization_id,
        quote.vehicle_id,
        quote.start,
        quote.end,
        list(quote.extras),
        dumps(quote.priced).decode(),
        quote.expires_at,
        created_by,
    )


async def load_quote(db: asyncpg.Connection | asyncpg.Pool, quote_id: UUID) -> Quote | None:
    """The quote with that id, whatever its organization or age; None if unknown."""
    row = await db.fetchrow(_SELECT, quote_id)
    if row is None:
        return None
    return Quote(
        quote_id=row["quote_id"],
        organization_id=row["organization_id"],
        vehicle_id=row["vehicle_id"],
        start=row["start_at"],
        end=row["end_at"],
        extras=tuple(row["extras"]),
        priced=Priced.model_validate_json(row["priced"]),
        expires_at=row["expires_at"],
    )
