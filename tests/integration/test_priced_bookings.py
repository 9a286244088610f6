"""Holds and bookings priced by a policy published through the API: the winning policy
version, the demand figure of the moment (booked share of the policy's vehicle-hours),
extras and deposit are recorded; cancellations and inactive vehicles move the figure."""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration.conftest import CUSTOMER, register
from tests.pricing import policy_body, publish_policy

START, END = "2030-01-08T10:00:00Z", "2030-01-08T14:00:00Z"  # 4 started hours


async def quote(api: httpx.AsyncClient, vehicle: str, **fields: Any) -> dict[str, Any]:
    resp = await api.post(
        "/v1/quotes", json={"vehicle_id": vehicle, "start": START, "end": END, **fields}
    )
    assert resp.status_code == 201, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def book(api: httpx.AsyncClient, vehicle: str, **fields: Any) -> dict[str, Any]:
    body = {"vehicle_id": vehicle, "start": START, "end": END, "customer_id": CUSTOMER, **fields}
    resp = await api.post("/v1/bookings", json=body)
    assert resp.status_code == 201, resp.text
    booked: dict[str, Any] = resp.json()
    return booked


async def fleet(api: httpx.AsyncClient, make: str, count: int) -> list[str]:
    return [await register(api, make=make) for _ in range(count)]


async def test_a_booking_records_the_winning_policy_extras_and_deposit(
    api: httpx.AsyncClient,
) -> None:
    policy = await publish_policy(api, policy_body("Pricecar"))
    [vehicle] = await fleet(api, "Pricecar", 1)
    booked = await book(api, vehicle, extras=["insurance"])
    assert booked["policy_id"] == policy and booked["policy_version"] == 1
    assert booked["deposit_cents"] == 30000 and booked["extras"] == ["insurance"]
    assert sum(line["amount_cents"] for line in booked["breakdown"]) == booked["price_cents"]
    assert booked["price_cents"] == 4 * 1000 + 1500  # 4 h at 1000, demand 0: no surge


async def test_the_higher_priority_policy_wins_and_others_keep_their_rates(
    api: httpx.AsyncClient,
) -> None:
    await publish_policy(api, policy_body("Prioritycar", priority=1))
    preferred = await publish_policy(api, policy_body("Prioritycar", priority=50))
    [vehicle] = await fleet(api, "Prioritycar", 1)
    [unpriced] = await fleet(api, "Plaincar", 1)
    assert (await quote(api, vehicle))["policy_id"] == preferred
    plain = await quote(api, unpriced)
    assert plain["policy_id"] is None and plain["price_cents"] == 4 * 1200


async def test_demand_is_the_booked_share_of_the_policy_s_vehicle_hours(
    api: httpx.AsyncClient,
) -> None:
    await publish_policy(api, policy_body("Busycar"))
    vehicles = await fleet(api, "Busycar", 4)
    first = await quote(api, vehicles[3])
    assert first["demand"] == {"utilization": 0.0, "multiplier": 1.0}
    booked = [await book(api, v) for v in vehicles[:2]]
    busy = await quote(api, vehicles[3])
    assert busy["demand"] == {"utilization": 0.5, "multiplier": 1.5}  # 8 of 16 vehicle-hours
    assert busy["price_cents"] == 6000  # 4 h x 1000 x 1.5
    cancel = await api.post(f"/v1/bookings/{booked[0]['booking_id']}/cancel", json={"reason": "x"})
    assert cancel.status_code == 200, cancel.text
    assert (await quote(api, vehicles[3]))["demand"]["utilization"] == 0.25


async def test_inactive_vehicles_leave_the_capacity(api: httpx.AsyncClient) -> None:
    await publish_policy(api, policy_body("Shrinkcar"))
    vehicles = await fleet(api, "Shrinkcar", 4)
    await book(api, vehicles[0])
    for vehicle in vehicles[1:3]:
        resp = await api.post(
            f"/v1/vehicles/{vehicle}/status", json={"status": "inactive", "reason": "sold soon"}
        )
        assert resp.status_code == 200, resp.text
    assert (await quote(api, vehicles[3]))["demand"]["utilization"] == 0.5  # 4 of 2 x 4 h


async def test_an_extra_the_policy_does_not_offer_is_refused(api: httpx.AsyncClient) -> None:
    await publish_policy(api, policy_body("Extracar"))
    [vehicle] = await fleet(api, "Extracar", 1)
    resp = await api.post(
        "/v1/quotes",
        json={"vehicle_id": vehicle, "start": START, "end": END, "extras": ["jetpack"]},
    )
    assert resp.status_code == 422, resp.text
    assert resp.json()["errors"][0]["field"] == "extras"
