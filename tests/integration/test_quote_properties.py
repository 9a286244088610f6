"""Property: a quote's price is the booking's price, whatever the window and extras, with
demand moving as the bookings of earlier examples fill the policy's vehicles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.conftest import CUSTOMER, register
from tests.pricing import policy_body, publish_policy

MAKE = "Quotecar"
TOMORROW = datetime(2030, 1, 8, tzinfo=UTC)  # the fake clock's next day

windows = st.tuples(
    st.integers(min_value=0, max_value=60 * 24 * 20),  # start: minutes after tomorrow
    st.integers(min_value=15, max_value=60 * 24 * 10),  # length in minutes
)
extras = st.lists(st.sampled_from(["child-seat", "insurance"]), unique=True, max_size=2)


@pytest.fixture
async def policy(api: httpx.AsyncClient) -> str:
    return await publish_policy(api, policy_body(MAKE))


@pytest.mark.timeout(600)
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(window=windows, chosen=extras, through_hold=st.booleans())
async def test_a_quote_s_price_is_the_booking_s_price(
    api: httpx.AsyncClient,
    policy: str,
    window: tuple[int, int],
    chosen: list[str],
    through_hold: bool,
) -> None:
    vehicle = await register(api, make=MAKE)
    start = TOMORROW + timedelta(minutes=window[0])
    span: dict[str, Any] = {
        "vehicle_id": vehicle,
        "start": start.isoformat(),
        "end": (start + timedelta(minutes=window[1])).isoformat(),
    }
    quoted = await api.post("/v1/quotes", json={**span, "extras": chosen})
    assert quoted.status_code == 201, quoted.text
    quote = quoted.json()
    assert quote["policy_id"] == policy
    named = {**span, "customer_id": CUSTOMER, "quote_id": quote["quote_id"]}
    if through_hold:
        held = await api.post("/v1/holds", json=named)
        assert held.status_code == 201, held.text
        booked = await api.post(f"/v1/holds/{held.json()['hold_id']}/confirm")
    else:
        booked = await api.post("/v1/bookings", json=named)
    assert booked.status_code == 201, booked.text
    booking = booked.json()
    for field in ("price_cents", "breakdown", "deposit_cents", "policy_id", "policy_version"):
        assert booking[field] == quote[field], field
    assert sorted(booking["extras"]) == sorted(chosen)
