"""The console's session and CSRF rules, checked over plain HTTP against the real stack."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.browser.test_console import register
from tests.pipeline.stack import Stack


@pytest.fixture
async def console(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """A client signed in to the console as the admin, sending this origin like a browser."""
    origin = {"Origin": stack.query_url}
    async with httpx.AsyncClient(base_url=stack.query_url, headers=origin, timeout=30) as http:
        admin = stack.accounts.admin
        body = {"email": admin.email, "password": admin.password}
        answer = await http.post("/console/session", json=body)
        assert answer.status_code == 200, answer.text
        yield http


def csrf(http: httpx.AsyncClient) -> dict[str, str]:
    return {"X-CSRF-Token": http.cookies["fleet_csrf"]}


async def test_sets_http_only_strict_cookies_and_never_returns_a_token(stack: Stack) -> None:
    admin = stack.accounts.admin
    async with httpx.AsyncClient(base_url=stack.query_url, timeout=30) as http:
        body = {"email": admin.email, "password": admin.password}
        answer = await http.post("/console/session", json=body, headers={"Origin": stack.query_url})
    cookies = {c.split("=", 1)[0]: c.lower() for c in answer.headers.get_list("set-cookie")}
    assert "httponly" in cookies["fleet_console"] and "samesite=strict" in cookies["fleet_console"]
    assert "path=/console/session" in cookies["fleet_console_refresh"]
    assert "httponly" not in cookies["fleet_csrf"]
    assert "token" not in answer.text


async def test_rejects_a_sign_in_from_another_origin(stack: Stack) -> None:
    admin = stack.accounts.admin
    async with httpx.AsyncClient(base_url=stack.query_url, timeout=30) as http:
        body = {"email": admin.email, "password": admin.password}
        answer = await http.post(
            "/console/session", json=body, headers={"Origin": "http://evil.test"}
        )
    assert answer.status_code == 403
    assert "fleet_console" not in answer.headers.get("set-cookie", "")


async def test_rejects_a_command_without_the_csrf_header(
    console: httpx.AsyncClient, stack: Stack, admin_api: httpx.AsyncClient
) -> None:
    vehicle = await register(admin_api, stack)
    path = f"/console/api/commands/v1/vehicles/{vehicle['vehicle_id']}/status"
    body = {"status": "inactive", "reason": "x"}
    assert (await console.post(path, json=body)).status_code == 403
    wrong = {"X-CSRF-Token": "guess"}
    assert (await console.post(path, json=body, headers=wrong)).status_code == 403
    elsewhere = {**csrf(console), "Origin": "http://evil.test"}
    assert (await console.post(path, json=body, headers=elsewhere)).status_code == 403
    assert (await console.post(path, json=body, headers=csrf(console))).status_code == 200


async def test_relays_only_the_commands_the_console_offers(console: httpx.AsyncClient) -> None:
    body = {"vin": "X", "plate": "X"}
    answer = await console.post(
        "/console/api/commands/v1/vehicles", json=body, headers=csrf(console)
    )
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"


async def test_a_relayed_409_keeps_the_command_services_problem_body(
    console: httpx.AsyncClient, stack: Stack, admin_api: httpx.AsyncClient
) -> None:
    vehicle = await register(admin_api, stack)
    path = f"/console/api/commands/v1/vehicles/{vehicle['vehicle_id']}/status"
    body = {"status": "available", "reason": "already is"}
    answer = await console.post(path, json=body, headers=csrf(console))
    assert answer.status_code == 409
    assert answer.json()["status"] == 409 and answer.json()["detail"]


async def test_refresh_rotates_and_logout_revokes_the_sign_in(
    console: httpx.AsyncClient, stack: Stack
) -> None:
    first = console.cookies["fleet_console_refresh"]
    assert (
        await console.post("/console/session/refresh", headers=csrf(console))
    ).status_code == 200
    second = console.cookies["fleet_console_refresh"]
    assert second != first
    assert (await console.post("/console/session/logout", headers=csrf(console))).status_code == 204
    async with httpx.AsyncClient(base_url=stack.command_url, timeout=30) as http:
        reuse = await http.post("/v1/auth/refresh", json={"refresh_token": second})
    assert reuse.status_code == 401
    assert (await console.get("/console/api/board")).status_code == 401
    assert (await console.get("/console/session")).json()["signed_in"] is False


async def test_a_fleet_manager_gets_a_console_session(
    stack: Stack, admin_api: httpx.AsyncClient
) -> None:
    who = {"email": f"fm-{uuid.uuid4().hex[:8]}@example.org", "password": "correct horse battery"}
    async with httpx.AsyncClient(base_url=stack.command_url, timeout=30) as http:
        user = (await http.post("/v1/auth/register", json={**who, "name": "Fran"})).json()
    promoted = await admin_api.post(
        f"{stack.command_url}/v1/users/{user['user_id']}/role", json={"role": "fleet_manager"}
    )
    assert promoted.status_code == 200, promoted.text
    origin = {"Origin": stack.query_url}
    async with httpx.AsyncClient(base_url=stack.query_url, headers=origin, timeout=30) as http:
        answer = await http.post("/console/session", json=who)
        assert answer.json()["role"] == "fleet_manager"
        assert (await http.get("/console/api/board")).status_code == 200


async def test_a_wrong_password_is_refused_with_the_identity_services_reason(
    stack: Stack,
) -> None:
    origin = {"Origin": stack.query_url}
    async with httpx.AsyncClient(base_url=stack.query_url, headers=origin, timeout=30) as http:
        body = {"email": stack.accounts.admin.email, "password": "not the password"}
        answer = await http.post("/console/session", json=body)
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["detail"] and "set-cookie" not in answer.headers


async def test_the_page_forbids_other_origins_and_framing(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.query_url, timeout=30) as http:
        answer = await http.get("/console/")
    policy = answer.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "connect-src 'self'" in policy and "script-src 'self'" in policy
