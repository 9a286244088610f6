"""A customer acts only for themselves, never as staff; role changes are admin-only.

Each refused attempt answers 403 problem+json (404 for another customer's booking, hold
or trip, whose existence is not revealed: tests/security/test_foreign_ids.py) and leaves
the event store and the identity tables exactly as they were.
"""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.integration.conftest import new_vehicle
from tests.security.conftest import sign_up, window
from tests.security.support import (
    PASSWORD,
    Ledger,
    Person,
    assert_problem,
    unique_email,
)


async def refused(ledger: Ledger, request, status: int = 403) -> dict:
    """Send `request` (an awaitable) and check it is refused with `status`, writing nothing."""
    before = await ledger.counts()
    body = assert_problem(await request, status)
    assert await ledger.counts() == before
    return body


async def book(command: httpx.AsyncClient, who: Person, vehicle: str, **extra) -> dict:
    body = {"vehicle_id": vehicle, **window(10, 70), **extra}
    resp = await command.post("/v1/bookings", json=body, headers=who.auth)
    assert resp.status_code == 201, resp.text
    return resp.json()


async def hold(command: httpx.AsyncClient, who: Person, vehicle: str) -> dict:
    body = {"vehicle_id": vehicle, **window(120, 180), "ttl_seconds": 3600}
    resp = await command.post("/v1/holds", json=body, headers=who.auth)
    assert resp.status_code == 201, resp.text
    return resp.json()


async def test_a_customer_cannot_register_a_vehicle(command, alice, ledger):
    await refused(ledger, command.post("/v1/vehicles", json=new_vehicle(), headers=alice.auth))


async def test_a_customer_cannot_change_a_vehicles_details_status_or_retire_it(
    command, alice, ledger, vehicle
):
    await refused(
        ledger, command.patch(f"/v1/vehicles/{vehicle}", json={"seats": 2}, headers=alice.auth)
    )
    await refused(
        ledger,
        command.post(
            f"/v1/vehicles/{vehicle}/status",
            json={"status": "inactive", "reason": "mine now"},
            headers=alice.auth,
        ),
    )
    await refused(
        ledger,
        command.post(f"/v1/vehicles/{vehicle}/retire", json={"reason": "x"}, headers=alice.auth),
    )


async def test_a_customer_cannot_schedule_maintenance(command, alice, ledger, vehicle):
    body = {**window(60, 120), "reason": "oil"}
    await refused(
        ledger,
        command.post(f"/v1/vehicles/{vehicle}/maintenance", json=body, headers=alice.auth),
    )


async def test_a_customer_cannot_change_their_own_role(command, alice, ledger):
    await refused(
        ledger,
        command.post(f"/v1/users/{alice.user_id}/role", json={"role": "admin"}, headers=alice.auth),
    )


async def test_a_customer_cannot_change_another_accounts_role(command, alice, bob, ledger):
    await refused(
        ledger,
        command.post(
            f"/v1/users/{bob.user_id}/role", json={"role": "fleet_manager"}, headers=alice.auth
        ),
    )


async def test_a_fleet_manager_cannot_change_roles(command, manager, ledger):
    await refused(
        ledger,
        command.post(
            f"/v1/users/{manager.user_id}/role", json={"role": "admin"}, headers=manager.auth
        ),
    )


async def test_a_customer_cannot_rotate_the_signing_key(command, alice, ledger):
    await refused(ledger, command.post("/v1/auth/signing-keys/rotate", headers=alice.auth))


async def test_a_customer_cannot_read_the_event_feed_or_a_vehicles_history(
    command, alice, ledger, vehicle
):
    await refused(ledger, command.get("/v1/events", headers=alice.auth))
    await refused(ledger, command.get(f"/v1/vehicles/{vehicle}/history", headers=alice.auth))


async def test_a_fleet_manager_cannot_read_the_event_feed(command, manager, ledger):
    await refused(ledger, command.get("/v1/events", headers=manager.auth))


async def test_a_customer_cannot_book_for_another_customer(command, alice, bob, ledger, vehicle):
    body = {"vehicle_id": vehicle, **window(10, 70), "customer_id": str(bob.user_id)}
    await refused(ledger, command.post("/v1/bookings", json=body, headers=alice.auth))


async def test_a_customer_cannot_hold_for_another_customer(command, alice, bob, ledger, vehicle):
    body = {"vehicle_id": vehicle, **window(10, 70), "customer_id": str(bob.user_id)}
    await refused(ledger, command.post("/v1/holds", json=body, headers=alice.auth))


async def test_a_customer_may_name_themselves_and_staff_may_book_for_anyone(
    command, alice, manager, vehicle
):
    mine = await book(command, alice, vehicle, customer_id=str(alice.user_id))
    assert mine["customer_id"] == str(alice.user_id)
    other = {"vehicle_id": vehicle, **window(200, 260), "customer_id": str(alice.user_id)}
    resp = await command.post("/v1/bookings", json=other, headers=manager.auth)
    assert resp.status_code == 201, resp.text
    assert resp.json()["customer_id"] == str(alice.user_id)


async def test_a_customer_cannot_cancel_another_customers_booking(
    command, alice, bob, ledger, vehicle
):
    booking = await book(command, alice, vehicle)
    await refused(
        ledger,
        command.post(
            f"/v1/bookings/{booking['booking_id']}/cancel",
            json={"reason": "not mine"},
            headers=bob.auth,
        ),
        status=404,
    )


async def test_a_customer_cannot_confirm_another_customers_hold(
    command, alice, bob, ledger, vehicle
):
    placed = await hold(command, alice, vehicle)
    await refused(
        ledger, command.post(f"/v1/holds/{placed['hold_id']}/confirm", headers=bob.auth), status=404
    )


async def test_a_customer_cannot_release_another_customers_hold(
    command, alice, bob, ledger, vehicle
):
    placed = await hold(command, alice, vehicle)
    await refused(
        ledger, command.post(f"/v1/holds/{placed['hold_id']}/release", headers=bob.auth), status=404
    )


async def test_a_customer_cannot_start_a_trip_on_another_customers_booking(
    command, alice, bob, ledger, vehicle
):
    booking = await book(command, alice, vehicle)
    body = {"booking_id": booking["booking_id"], "odometer_km": 1000}
    await refused(ledger, command.post("/v1/trips", json=body, headers=bob.auth), status=404)


async def test_a_customer_cannot_end_another_customers_trip(command, alice, bob, ledger, vehicle):
    booking = await book(command, alice, vehicle)
    started = await command.post(
        "/v1/trips",
        json={"booking_id": booking["booking_id"], "odometer_km": 1000},
        headers=alice.auth,
    )
    assert started.status_code == 201, started.text
    trip = started.json()["trip_id"]
    await refused(
        ledger,
        command.post(f"/v1/trips/{trip}/end", json={"odometer_km": 1200}, headers=bob.auth),
        status=404,
    )


async def test_the_owner_may_cancel_their_own_booking(command, alice, vehicle):
    booking = await book(command, alice, vehicle)
    resp = await command.post(
        f"/v1/bookings/{booking['booking_id']}/cancel",
        json={"reason": "changed plans"},
        headers=alice.auth,
    )
    assert resp.status_code == 200, resp.text


async def test_a_customer_cannot_replay_another_customers_idempotency_key(
    command, alice, bob, ledger, vehicle
):
    """The Idempotency-Key must not let a second caller skip the ownership check and read
    the first caller's stored response."""
    booking = await book(command, alice, vehicle)
    key = {"Idempotency-Key": f"cancel-{uuid.uuid4()}"}
    path = f"/v1/bookings/{booking['booking_id']}/cancel"
    body = {"reason": "changed plans"}
    first = await command.post(path, json=body, headers={**alice.auth, **key})
    assert first.status_code == 200, first.text
    events = (await ledger.counts())["events"]
    for _ in range(2):  # Bob's key keeps Bob's own answer: the booking does not exist
        theirs = await command.post(path, json=body, headers={**bob.auth, **key})
        assert_problem(theirs, 404)
        assert "booking_id" not in theirs.json()
    assert (await ledger.counts())["events"] == events


async def test_two_customers_using_the_same_idempotency_key_get_their_own_outcomes(
    command, alice, bob, vehicle
):
    """A shared key (a client library's counter, say) must not hand one customer the
    other's booking: Bob's request is decided for Bob (here: the window is taken)."""
    key = {"Idempotency-Key": "booking-1"}
    body = {"vehicle_id": vehicle, **window(300, 360)}
    first = await command.post("/v1/bookings", json=body, headers={**alice.auth, **key})
    assert first.status_code == 201, first.text
    second = await command.post("/v1/bookings", json=body, headers={**bob.auth, **key})
    assert second.json().get("customer_id") != str(alice.user_id), second.text
    assert_problem(second, 409)


async def test_every_event_names_the_account_that_caused_it(command, alice, admin, vehicle):
    booking = await book(command, alice, vehicle)
    history = await command.get(f"/v1/vehicles/{vehicle}/history", headers=admin.auth)
    assert history.status_code == 200, history.text
    items = history.json()["items"]
    booked = next(
        e
        for e in items
        if e["type"] == "BookingConfirmed" and e["data"]["booking_id"] == (booking["booking_id"])
    )
    assert booked["metadata"]["actor"] == f"customer:{alice.user_id}"
    assert items[0]["metadata"]["actor"].startswith("fleet_manager:")


async def test_registering_refuses_a_role_field(command, ledger):
    body = {"email": unique_email(), "password": PASSWORD, "name": "Mallory", "role": "admin"}
    problem = await refused(ledger, command.post("/v1/auth/register", json=body), status=422)
    assert problem["errors"][0]["field"] == "role"


async def test_a_new_account_is_always_a_customer(command):
    body = {"email": unique_email(), "password": PASSWORD, "name": "Newcomer"}
    resp = await command.post("/v1/auth/register", json=body)
    assert resp.status_code == 201, resp.text
    assert resp.json()["role"] == "customer"
    assert "password_hash" not in resp.json()


async def test_the_last_admin_cannot_be_demoted(command, admin, ledger):
    admins = await ledger.pool.fetchval("SELECT count(*) FROM users WHERE role = 'admin'")
    assert admins == 1
    await refused(
        ledger,
        command.post(
            f"/v1/users/{admin.user_id}/role", json={"role": "customer"}, headers=admin.auth
        ),
        status=409,
    )


@pytest.fixture(scope="module")
async def newcomer(command) -> Person:
    """A customer of this module's own (a role test must not change a shared account)."""
    return await sign_up(command, "newcomer")


@pytest.mark.parametrize("role", ["service", "root", "ADMIN"])
async def test_an_admin_cannot_give_a_person_a_machine_or_unknown_role(
    command, admin, newcomer, ledger, role
):
    """`service` is for machine accounts only (shared.kit.auth.principal.PERSON_ROLES)."""
    path = f"/v1/users/{newcomer.user_id}/role"
    await refused(ledger, command.post(path, json={"role": role}, headers=admin.auth), status=422)
