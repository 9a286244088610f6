"""How a hold's or booking's price was derived, as the columns both rows keep.

One rule for both: the event's `pricing` as recorded; an event written before pricing
policies (`pricing` is None) reads as one `rental` line of the whole price, no policy,
no extras, no deposit and no demand figure.
"""

from __future__ import annotations

from typing import Any

from shared.contract.serialization import dumps
from shared.pricing.priced import Priced

RENTAL = "rental"  # the label of the one line of a price decided before policies


def _json(value: Any) -> str:
    return dumps(value).decode()


def priced_columns(pricing: Priced | None, price_cents: int) -> dict[str, Any]:
    """breakdown, deposit_cents, extras, policy_id, policy_version, demand and quote_id."""
    if pricing is None:
        return {
            "breakdown": _json([{"label": RENTAL, "amount_cents": price_cents}]),
            "deposit_cents": 0, "extras": "[]", "policy_id": None, "policy_version": None,
            "demand": None, "quote_id": None,
        }  # fmt: skip
    recorded = pricing.model_dump(mode="json")
    return {
        "breakdown": _json(recorded["breakdown"]),
        "deposit_cents": pricing.deposit_cents,
        "extras": _json(recorded["extras"]),
        "policy_id": pricing.policy_id,
        "policy_version": pricing.policy_version,
        "demand": None if pricing.demand is None else _json(recorded["demand"]),
        "quote_id": pricing.quote_id,
    }
