"""The price-derivation columns holds and bookings share, as the API shows them."""

from __future__ import annotations

from typing import Any

from shared.contract.serialization import loads

# Selected after a row's own columns (read_models/priced.py writes them).
COLUMNS = "breakdown, deposit_cents, extras, policy_id, policy_version, demand, quote_id"


def decoded(item: dict[str, Any]) -> dict[str, Any]:
    """`item` with its JSON text columns (breakdown, extras, demand) as values."""
    item["breakdown"], item["extras"] = loads(item["breakdown"]), loads(item["extras"])
    item["demand"] = None if item["demand"] is None else loads(item["demand"])
    return item
