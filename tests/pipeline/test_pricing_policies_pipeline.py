"""A pricing policy is a stream of its own through the whole pipeline: relay → Kafka (key =
the policy id, CloudEvents headers of its kind) → the query service, which tracks it (so a
consistency token of a policy write is honoured), heals it from its history, and stays
equal to a rebuild from the log."""

from __future__ import annotations

import uuid

import httpx

from query_service.feed_client import CommandFeed
from shared.kit.auth.client import SignedIn
from tests.pipeline.conftest import read_topic
from tests.pipeline.stack import assert_equals_rebuild, wait_caught_up

TERMS = {"name": "City", "currency": "EUR", "rates": {"hourly_cents": 1500, "daily_cents": 7000}}


async def test_a_policy_travels_from_the_command_side_through_the_log(stack):
    auth = SignedIn(stack.accounts.admin, stack.command_url)
    policies = f"{stack.command_url}/v1/pricing/policies"
    async with httpx.AsyncClient(timeout=30, auth=auth) as http:
        published = await http.post(policies, json=TERMS)
        policy = published.json()["policy_id"]
        revised = await http.put(f"{policies}/{policy}", json={**TERMS, "priority": 3})
        seen = await http.get(
            f"{stack.query_url}/v1/vehicles",
            headers={"X-Consistency-Token": revised.json()["consistency_token"]},
        )
    assert published.status_code == 201 and revised.json()["version"] == 2
    assert seen.status_code == 200, seen.text  # the query side tracked the policy's stream

    records = [r for r in await read_topic(stack.bootstrap, stack.topic) if str(r[0]) == policy]
    assert [(version, headers["ce_type"]) for _, version, headers in records] == [
        (1, "fleetledger.pricing_policy.PricingPolicyPublished"),
        (2, "fleetledger.pricing_policy.PricingPolicyRevised"),
    ]
    assert {headers["ce_subject"] for _, _, headers in records} == {policy}

    feed = CommandFeed(stack.command_url, stack.accounts.service)
    try:
        history = await feed.history("pricing_policy", uuid.UUID(policy), 1)
    finally:
        await feed.close()
    assert [(type(e).__name__, e.version, e.terms.priority) for e, _ in history] == [
        ("PricingPolicyRevised", 2, 3)
    ]

    await wait_caught_up(stack)
    await assert_equals_rebuild(stack)
