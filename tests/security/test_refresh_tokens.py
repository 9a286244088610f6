"""Refresh tokens rotate on every use; a replayed one ends the whole session (its family)."""

from __future__ import annotations

import httpx

from tests.security.conftest import sign_in, sign_up
from tests.security.support import PASSWORD, Ledger, assert_unauthenticated, bearer


async def refresh(command: httpx.AsyncClient, token: str) -> httpx.Response:
    return await command.post("/v1/auth/refresh", json={"refresh_token": token})


async def test_refreshing_returns_a_new_pair_that_works(command, query):
    carol = await sign_up(command, "carol")
    resp = await refresh(command, carol.refresh_token)
    assert resp.status_code == 200, resp.text
    pair = resp.json()
    assert pair["token_type"] == "bearer"
    assert pair["expires_in"] == 900
    assert pair["refresh_token"] != carol.refresh_token
    assert pair["access_token"] != carol.access_token
    assert resp.headers["cache-control"] == "no-store"
    me = await command.get("/v1/auth/me", headers=bearer(pair["access_token"]))
    assert me.json()["user_id"] == str(carol.user_id)
    assert (
        await query.get("/v1/bookings", headers=bearer(pair["access_token"]))
    ).status_code == 200


async def test_the_old_refresh_token_is_refused_after_rotation(command, ledger: Ledger):
    carol = await sign_up(command, "carol")
    assert (await refresh(command, carol.refresh_token)).status_code == 200
    before = await ledger.counts()
    assert_unauthenticated(await refresh(command, carol.refresh_token))
    assert await ledger.counts() == before


async def test_replaying_a_rotated_token_revokes_the_whole_family(command, ledger: Ledger):
    carol = await sign_up(command, "carol")
    first = await refresh(command, carol.refresh_token)  # the client rotates...
    newest = first.json()["refresh_token"]
    assert_unauthenticated(await refresh(command, carol.refresh_token))  # ...a thief replays
    before = await ledger.counts()
    body = assert_unauthenticated(await refresh(command, newest))  # the newest dies too
    assert "revoked" in body["detail"] or "unknown" in body["detail"]
    assert await ledger.counts() == before


async def test_a_reuse_does_not_end_the_accounts_other_sessions(command):
    carol = await sign_up(command, "carol")
    other_session = await sign_in(command, carol.email, PASSWORD)
    assert (await refresh(command, carol.refresh_token)).status_code == 200
    assert_unauthenticated(await refresh(command, carol.refresh_token))
    assert (await refresh(command, other_session["refresh_token"])).status_code == 200


async def test_logout_revokes_the_refresh_token_and_its_rotations(command, ledger: Ledger):
    carol = await sign_up(command, "carol")
    rotated = (await refresh(command, carol.refresh_token)).json()["refresh_token"]
    resp = await command.post("/v1/auth/logout", json={"refresh_token": rotated})
    assert resp.status_code == 204
    before = await ledger.counts()
    assert_unauthenticated(await refresh(command, rotated))
    assert await ledger.counts() == before


async def test_an_unknown_refresh_token_is_401_and_writes_nothing(command, ledger: Ledger):
    before = await ledger.counts()
    for token in ("rt_" + "A" * 43, "' OR 1=1 --", "x"):
        assert_unauthenticated(await refresh(command, token))
    assert await ledger.counts() == before


async def test_a_refresh_token_is_not_an_access_token(command, query):
    carol = await sign_up(command, "carol")
    assert_unauthenticated(await command.get("/v1/auth/me", headers=bearer(carol.refresh_token)))
    assert_unauthenticated(await query.get("/v1/bookings", headers=bearer(carol.refresh_token)))


async def test_refresh_tokens_are_stored_only_as_hashes(command, ledger: Ledger):
    carol = await sign_up(command, "carol")
    stored = await ledger.pool.fetch(
        "SELECT token_hash FROM refresh_tokens WHERE user_id = $1", carol.user_id
    )
    assert stored
    assert all(carol.refresh_token.encode() not in bytes(r["token_hash"]) for r in stored)
