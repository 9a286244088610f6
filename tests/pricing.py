"""Pricing policies for tests, published through the API as an operator would."""

from __future__ import annotations

from typing import Any

import httpx


def policy_body(make: str, **overrides: Any) -> dict[str, Any]:
    """A policy for the vehicles of one make: rate table, demand tiers, extras, deposit."""
    body = {
        "name": f"{make} pricing",
        "currency": "EUR",
        "applies_to": {"make": make},
        "priority": 10,
        "rates": {"hourly_cents": 1000, "daily_cents": 8000, "weekly_cents": 40000},
        "demand": [
            {"min_utilization": 0.25, "multiplier": 1.25},
            {"min_utilization": 0.5, "multiplier": 1.5},
        ],
        "extras": [
            {"code": "child-seat", "name": "Child seat", "price_cents": 500, "per": "day"},
            {"code": "insurance", "name": "Full cover", "price_cents": 1500, "per": "booking"},
        ],
        "deposit_cents": 30000,
    }
    return {**body, **overrides}


async def publish_policy(http: httpx.AsyncClient, body: dict[str, Any]) -> str:
    """POST /v1/pricing/policies; the new policy's id."""
    resp = await http.post("/v1/pricing/policies", json=body)
    assert resp.status_code == 201, resp.text
    return str(resp.json()["policy_id"])
