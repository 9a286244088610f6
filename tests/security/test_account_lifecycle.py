"""Disabling, demoting, resetting and signing out stop an account's access tokens within
seconds on both services (the query service pulls the revocation feed with its poller)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

import asyncpg
import httpx
import pytest

from deploy.services import ROOT
from tests.security.conftest import person, sign_in, sign_up, window
from tests.security.support import (
    PASSWORD,
    Deployment,
    Person,
    assert_problem,
    assert_unauthenticated,
)

WITHIN_S = 5.0
NEW_PASSWORD = "a brand new passphrase"


async def refused_within(client: httpx.AsyncClient, path: str, auth: dict[str, str]) -> float:
    """Seconds until `path` answers 401 to `auth` (fails past WITHIN_S)."""
    started = time.monotonic()
    while True:
        response = await client.get(path, headers=auth)
        if response.status_code == 401:
            assert_unauthenticated(response)
            return time.monotonic() - started
        assert response.status_code == 200, response.text
        assert time.monotonic() - started < WITHIN_S, f"{path} still accepts the token"
        await asyncio.sleep(0.1)


async def refused_on_both(command, query, who: Person, query_path: str = "/v1/bookings") -> None:
    await refused_within(command, "/v1/auth/me", who.auth)
    await refused_within(query, query_path, who.auth)


async def accepted_on_both(command, query, who: Person, query_path: str = "/v1/bookings") -> None:
    assert (await command.get("/v1/auth/me", headers=who.auth)).status_code == 200
    assert (await query.get(query_path, headers=who.auth)).status_code == 200


async def test_a_disabled_accounts_token_is_refused_within_5_s_on_both_services(
    command, query, admin
):
    victim = await sign_up(command, "disabled")
    await accepted_on_both(command, query, victim)
    resp = await command.post(f"/v1/users/{victim.user_id}/disable", headers=admin.auth)
    assert resp.status_code == 200, resp.text
    assert resp.json()["disabled"] is True
    await refused_on_both(command, query, victim)
    refresh = await command.post("/v1/auth/refresh", json={"refresh_token": victim.refresh_token})
    assert_unauthenticated(refresh)
    body = {"email": victim.email, "password": PASSWORD}
    assert_problem(await command.post("/v1/auth/token", json=body), 403)


async def test_a_disabled_account_cannot_act(command, admin, vehicle, ledger):
    """The actor of every event exists and is enabled: the hold is refused, nothing written."""
    victim = await sign_up(command, "actor")
    await command.post(f"/v1/users/{victim.user_id}/disable", headers=admin.auth)
    before = await ledger.counts()
    body = {"vehicle_id": vehicle, **window(10, 70)}
    assert_unauthenticated(await command.post("/v1/holds", json=body, headers=victim.auth))
    assert await ledger.counts() == before


async def test_a_re_enabled_account_signs_in_again_but_its_old_tokens_stay_void(
    command, query, admin
):
    victim = await sign_up(command, "reenabled")
    await command.post(f"/v1/users/{victim.user_id}/disable", headers=admin.auth)
    resp = await command.post(f"/v1/users/{victim.user_id}/enable", headers=admin.auth)
    assert resp.status_code == 200 and resp.json()["disabled"] is False
    assert_unauthenticated(await command.get("/v1/auth/me", headers=victim.auth))
    again = await person(command, victim.email, PASSWORD)
    await accepted_on_both(command, query, again)


async def test_a_demoted_managers_token_is_refused_within_5_s_on_both_services(
    command, query, admin
):
    manager = await sign_up(command, "demoted", "fleet_manager", admin)
    await accepted_on_both(command, query, manager, "/v1/vehicles")
    resp = await command.post(
        f"/v1/users/{manager.user_id}/role", json={"role": "customer"}, headers=admin.auth
    )
    assert resp.status_code == 200, resp.text
    await refused_on_both(command, query, manager, "/v1/vehicles")
    now_customer = await person(command, manager.email, PASSWORD)
    assert now_customer.role == "customer"
    assert_problem(await query.get("/v1/vehicles", headers=now_customer.auth), 403)


async def test_logout_refuses_that_sessions_access_token_within_5_s_and_no_other(command, query):
    leaving = await sign_up(command, "logout")
    other = await person(command, leaving.email, PASSWORD)  # a second sign-in
    resp = await command.post("/v1/auth/logout", json={"refresh_token": leaving.refresh_token})
    assert resp.status_code == 204
    await refused_on_both(command, query, leaving)
    await accepted_on_both(command, query, other)


async def test_an_admin_password_reset_ends_every_session(command, query, admin):
    victim = await sign_up(command, "reset")
    resp = await command.post(
        f"/v1/users/{victim.user_id}/password", json={"password": NEW_PASSWORD}, headers=admin.auth
    )
    assert resp.status_code == 204, resp.text
    await refused_on_both(command, query, victim)
    refresh = await command.post("/v1/auth/refresh", json={"refresh_token": victim.refresh_token})
    assert_unauthenticated(refresh)
    old = await command.post("/v1/auth/token", json={"email": victim.email, "password": PASSWORD})
    assert_problem(old, 401)
    await sign_in(command, victim.email, NEW_PASSWORD)


async def test_only_admins_disable_enable_or_reset(command, manager, alice, ledger):
    for path, body in (("disable", None), ("enable", None), ("password", {"password": PASSWORD})):
        resp = await command.post(
            f"/v1/users/{alice.user_id}/{path}", json=body, headers=manager.auth
        )
        assert_problem(resp, 403)
    assert_problem(await command.get("/v1/auth/revocations", headers=alice.auth), 403)


async def test_the_last_enabled_admin_cannot_be_disabled(command, admin):
    assert_problem(
        await command.post(f"/v1/users/{admin.user_id}/disable", headers=admin.auth), 409
    )


async def test_disabling_an_unknown_account_is_404(command, admin):
    missing = "00000000-0000-4000-8000-000000000000"
    assert_problem(await command.post(f"/v1/users/{missing}/disable", headers=admin.auth), 404)


async def test_accounts_are_never_deleted_so_every_actor_stays_known(ledger, alice):
    with pytest.raises(asyncpg.RaiseError, match="never deleted"):
        await ledger.pool.execute("DELETE FROM users WHERE user_id = $1", alice.user_id)


async def cli(deployment: Deployment, *args: str) -> None:
    """Run the admin CLI against the deployment's database (password from the env)."""
    env = {
        **os.environ,
        "FLEET_COMMAND_DATABASE_URL": deployment.command_dsn,
        "FLEET_NEW_USER_PASSWORD": NEW_PASSWORD,
    }
    argv = [sys.executable, "-m", "command_service.identity.cli", *args]
    done = await asyncio.to_thread(
        subprocess.run, argv, cwd=ROOT, env=env, capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


async def test_the_cli_disables_enables_and_resets_and_running_services_follow(
    command, query, deployment: Deployment
):
    victim = await sign_up(command, "cli")
    await cli(deployment, "disable", "--email", victim.email)
    await refused_on_both(command, query, victim)
    await cli(deployment, "enable", "--email", victim.email)
    again = await person(command, victim.email, PASSWORD)
    await cli(deployment, "reset-password", "--email", victim.email)
    await refused_on_both(command, query, again)
    await sign_in(command, victim.email, NEW_PASSWORD)
