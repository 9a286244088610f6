"""Pricing policies on the command side: each a stream of versions of whole terms, within
one organization, and the catalogue quotes and bookings read them from."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from command_service.store.pricing_catalogue import current_policies, policy_version
from shared.contract.organizations import DEFAULT_ORGANIZATION_ID
from shared.pricing.terms import PricingTerms
from tests.integration.conftest import Other, bearer, new_vehicle, register, token_for

TERMS: dict[str, Any] = {
    "name": "City rates",
    "currency": "EUR",
    "priority": 5,
    "rates": {"hourly_cents": 1500, "daily_cents": 7500},
    "seasons": [{"start": "2027-07-01", "end": "2027-08-31", "multiplier": 1.2}],
    "extras": [{"code": "child-seat", "name": "Child seat", "price_cents": 500, "per": "day"}],
    "deposit_cents": 30000,
    "timezone": "Europe/Berlin",
}
POLICIES = "/v1/pricing/policies"


async def publish(api: httpx.AsyncClient, **overrides: Any) -> str:
    resp = await api.post(POLICIES, json={**TERMS, **overrides})
    assert resp.status_code == 201, resp.text
    return str(resp.json()["policy_id"])


def pool_of(api: httpx.AsyncClient) -> Any:
    return api.app.state.pool  # type: ignore[attr-defined]


async def stored_events(api: httpx.AsyncClient) -> int:
    return int(await pool_of(api).fetchval("SELECT count(*) FROM events"))


async def test_a_manager_publishes_a_policy_as_version_1(api: httpx.AsyncClient) -> None:
    manager = bearer(await token_for(api.app, "fleet_manager"))  # type: ignore[attr-defined]
    resp = await api.post(POLICIES, json=TERMS, headers=manager)
    assert resp.status_code == 201 and resp.headers["etag"] == '"1"'
    body = resp.json()
    assert body == {
        "policy_id": body["policy_id"],
        "version": 1,
        "consistency_token": body["consistency_token"],
    }
    [current] = [
        p
        for p in await current_policies(pool_of(api), DEFAULT_ORGANIZATION_ID)
        if str(p.policy_id) == body["policy_id"]
    ]
    assert current.version == 1 and current.terms == PricingTerms.model_validate(TERMS)


async def test_a_revision_is_the_next_version_and_the_old_one_stays_readable(
    api: httpx.AsyncClient,
) -> None:
    policy = await publish(api)
    revised = {**TERMS, "rates": {"hourly_cents": 1800, "daily_cents": 9000}, "priority": 9}
    resp = await api.put(f"{POLICIES}/{policy}", json=revised, headers={"If-Match": '"1"'})
    assert resp.status_code == 200 and resp.headers["etag"] == '"2"'
    assert resp.json()["version"] == 2 and resp.json()["policy_id"] == policy

    pool, org, policy_id = pool_of(api), DEFAULT_ORGANIZATION_ID, uuid.UUID(policy)
    first, second = [await policy_version(pool, policy_id, v, org) for v in (1, 2)]
    assert first is not None and first.terms == PricingTerms.model_validate(TERMS)
    assert second is not None and second.terms == PricingTerms.model_validate(revised)
    assert await policy_version(pool, policy_id, 3, org) is None
    [current] = [p for p in await current_policies(pool, org) if p.policy_id == policy_id]
    assert current == second

    history = (await api.get(f"{POLICIES}/{policy}/history")).json()
    assert [(i["type"], i["version"]) for i in history["items"]] == [
        ("PricingPolicyPublished", 1),
        ("PricingPolicyRevised", 2),
    ]
    assert history["policy_id"] == policy and history["items"][1]["data"]["terms"]["priority"] == 9


async def test_a_revision_with_the_current_terms_writes_nothing(api: httpx.AsyncClient) -> None:
    policy = await publish(api)
    before = await stored_events(api)
    resp = await api.put(f"{POLICIES}/{policy}", json={**TERMS, "seasons": TERMS["seasons"]})
    assert resp.status_code == 200 and resp.json()["version"] == 1
    assert await stored_events(api) == before


async def test_a_stale_if_match_answers_412_but_an_unknown_id_404(api: httpx.AsyncClient) -> None:
    policy = await publish(api)
    await api.put(f"{POLICIES}/{policy}", json={**TERMS, "name": "Two"})
    stale = await api.put(f"{POLICIES}/{policy}", json=TERMS, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    unknown = await api.put(f"{POLICIES}/{uuid.uuid4()}", json=TERMS, headers={"If-Match": '"1"'})
    assert unknown.status_code == 404 and unknown.json()["title"] == "Pricing policy not found"


async def test_another_organizations_policy_answers_exactly_like_an_unknown_id(
    api: httpx.AsyncClient, other: Other
) -> None:
    policy = await publish(api)
    unknown = str(uuid.uuid4())
    for path, call in (
        (POLICIES + "/{}", lambda p: api.put(p, json=TERMS, headers=other.manager)),
        (POLICIES + "/{}/history", lambda p: api.get(p, headers=other.admin)),
    ):
        theirs, nobodys = await call(path.format(policy)), await call(path.format(unknown))
        assert theirs.status_code == nobodys.status_code == 404
        assert theirs.json() == {
            **nobodys.json(),
            "detail": nobodys.json()["detail"].replace(unknown, policy),
        }
    pool, policy_id = pool_of(api), uuid.UUID(policy)
    assert await policy_version(pool, policy_id, 1, other.organization_id) is None
    assert await current_policies(pool, other.organization_id) == []


async def test_each_organization_sees_only_its_own_policies_in_the_catalogue(
    api: httpx.AsyncClient, other: Other
) -> None:
    mine = await publish(api)
    resp = await api.post(POLICIES, json={**TERMS, "name": "Theirs"}, headers=other.admin)
    theirs = resp.json()["policy_id"]
    catalogue = await current_policies(pool_of(api), other.organization_id)
    assert [str(p.policy_id) for p in catalogue] == [theirs]
    assert catalogue[0].organization_id == other.organization_id
    assert mine not in {str(p.policy_id) for p in catalogue}


async def test_customers_and_anonymous_callers_may_not_write_policies(
    api: httpx.AsyncClient,
) -> None:
    policy = await publish(api)
    customer = bearer(await token_for(api.app, "customer"))  # type: ignore[attr-defined]
    for headers, status in ((customer, 403), ({"Authorization": ""}, 401)):
        assert (await api.post(POLICIES, json=TERMS, headers=headers)).status_code == status
        put = await api.put(f"{POLICIES}/{policy}", json=TERMS, headers=headers)
        assert put.status_code == status
        history = await api.get(f"{POLICIES}/{policy}/history", headers=headers)
        assert history.status_code == status


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"currency": "euro"}, "currency"),
        ({"rates": {"hourly_cents": 0, "daily_cents": 100}}, "hourly_cents"),
        (
            {
                "time_of_day": [
                    {"weekdays": [8], "start_time": "08:00", "end_time": "10:00", "multiplier": 1.1}
                ]
            },
            "weekdays",
        ),
        ({"extras": [{"code": "Child Seat", "name": "x", "price_cents": 1, "per": "day"}]}, "code"),
        ({"discount": 10}, "discount"),
        ({"name": ""}, "name"),
    ],
)
async def test_an_invalid_body_answers_422_and_writes_nothing(
    api: httpx.AsyncClient, change: dict[str, Any], field: str
) -> None:
    policy = await publish(api)
    before = await stored_events(api)
    for resp in (
        await api.post(POLICIES, json={**TERMS, **change}),
        await api.put(f"{POLICIES}/{policy}", json={**TERMS, **change}),
    ):
        assert resp.status_code == 422
        assert resp.headers["content-type"] == "application/problem+json"
        assert any(field in str(error) for error in resp.json()["errors"]), resp.json()
    assert await stored_events(api) == before


async def test_a_policy_names_only_its_organizations_vehicles_and_location(
    api: httpx.AsyncClient, other: Other
) -> None:
    mine = await register(api)
    location = (
        await api.post(
            "/v1/locations",
            json={"name": "Hbf", "lat": 52.5, "lon": 13.4, "timezone": "Europe/Berlin"},
        )
    ).json()["location_id"]
    scoped = {"vehicle_ids": [mine], "location_id": location, "make": "Volkswagen"}
    assert (await api.post(POLICIES, json={**TERMS, "applies_to": scoped})).status_code == 201

    theirs = (await api.post("/v1/vehicles", json=new_vehicle(), headers=other.admin)).json()
    foreign, unknown = theirs["vehicle_id"], str(uuid.uuid4())
    their_place = await api.post(
        "/v1/locations",
        json={"name": "Theirs", "lat": 1.0, "lon": 1.0, "timezone": "UTC"},
        headers=other.admin,
    )
    elsewhere = {"location_id": their_place.json()["location_id"]}
    before = await stored_events(api)
    answers = {}
    for vehicle in (foreign, unknown):
        resp = await api.post(POLICIES, json={**TERMS, "applies_to": {"vehicle_ids": [vehicle]}})
        assert resp.status_code == 404 and resp.json()["title"] == "Vehicle not found"
        answers[vehicle] = resp.json()
    assert answers[foreign] == {
        **answers[unknown],
        "detail": answers[unknown]["detail"].replace(unknown, foreign),
    }
    both = await api.post(
        POLICIES, json={**TERMS, "applies_to": {"vehicle_ids": [mine, foreign, unknown]}}
    )
    assert both.status_code == 404 and foreign in both.json()["detail"]
    assert unknown in both.json()["detail"] and mine not in both.json()["detail"]
    resp = await api.post(POLICIES, json={**TERMS, "applies_to": elsewhere})
    assert resp.status_code == 404 and resp.json()["title"] == "Location not found"
    assert await stored_events(api) == before


async def test_a_revision_is_checked_for_foreign_vehicles_too(
    api: httpx.AsyncClient, other: Other
) -> None:
    policy = await publish(api)
    theirs = (await api.post("/v1/vehicles", json=new_vehicle(), headers=other.admin)).json()
    body = {**TERMS, "applies_to": {"vehicle_ids": [theirs["vehicle_id"]]}}
    resp = await api.put(f"{POLICIES}/{policy}", json=body)
    assert resp.status_code == 404 and resp.json()["title"] == "Vehicle not found"
    assert (
        await policy_version(pool_of(api), uuid.UUID(policy), 2, DEFAULT_ORGANIZATION_ID)
    ) is None


async def test_an_idempotency_key_replays_the_first_answer(api: httpx.AsyncClient) -> None:
    key = {"Idempotency-Key": f"policy-{uuid.uuid4()}"}
    first = await api.post(POLICIES, json=TERMS, headers=key)
    again = await api.post(POLICIES, json=TERMS, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert again.headers["etag"] == '"1"'
    other_body = await api.post(POLICIES, json={**TERMS, "name": "Other"}, headers=key)
    assert other_body.status_code == 422

    policy = first.json()["policy_id"]
    revise_key = {"Idempotency-Key": f"revise-{uuid.uuid4()}"}
    body = {**TERMS, "name": "Revised"}
    answers = [await api.put(f"{POLICIES}/{policy}", json=body, headers=revise_key) for _ in "ab"]
    assert [a.json()["version"] for a in answers] == [2, 2]
    history = (await api.get(f"{POLICIES}/{policy}/history")).json()["items"]
    assert [i["version"] for i in history] == [1, 2]


async def test_a_retired_vehicle_is_still_one_of_the_organizations(api: httpx.AsyncClient) -> None:
    vehicle = await register(api)
    retired = await api.post(f"/v1/vehicles/{vehicle}/retire", json={"reason": "sold"})
    assert retired.status_code == 200, retired.text
    resp = await api.post(POLICIES, json={**TERMS, "applies_to": {"vehicle_ids": [vehicle]}})
    assert resp.status_code == 201, resp.text
