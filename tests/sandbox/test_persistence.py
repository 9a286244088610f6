"""State survives a crash: the ledger, the idempotency keys, the outbox and pending cards."""

from __future__ import annotations

import json
from pathlib import Path

from deploy.postgres import free_port
from tests.sandbox.provider import VISA, Provider, post, receiving, running, webhook_env


def test_a_killed_provider_restarts_with_its_ledger_and_keys_intact(tmp_path: Path) -> None:
    provider = Provider(tmp_path).start()
    try:
        with provider.client() as http:
            auth_id = post(http, "/v1/authorizations", "a", VISA).json()["authorization_id"]
            post(http, f"/v1/authorizations/{auth_id}/capture", "c", {"amount_cents": 7_000})
        before = provider.ledger()
    finally:
        provider.kill()
    with running(tmp_path) as again, again.client() as http:
        assert again.ledger() == before
        assert http.get(f"/v1/authorizations/{auth_id}").json()["captured_cents"] == 7_000
        replayed = post(http, f"/v1/authorizations/{auth_id}/capture", "c", {"amount_cents": 7_000})
        assert (replayed.status_code, replayed.headers["Idempotent-Replayed"]) == (200, "true")
        fresh = post(http, "/v1/authorizations", "b", VISA).json()["authorization_id"]
        assert fresh != auth_id  # the id counter went on, it did not start over
        assert len(again.ledger()["entries"]) == len(before["entries"]) + 1


def test_events_queued_while_nobody_listens_are_delivered_after_a_restart(
    tmp_path: Path,
) -> None:
    port = free_port()  # nothing listens there yet: every delivery fails
    closed = f"http://127.0.0.1:{port}/hooks"
    env = {
        "FLEET_SANDBOX_WEBHOOK_URL": closed,
        "FLEET_SANDBOX_WEBHOOK_SECRET": "s",
        "FLEET_SANDBOX_WEBHOOK_RETRY_FIRST_MS": "200",
        "FLEET_SANDBOX_WEBHOOK_RETRY_MAX_MS": "400",
    }
    provider = Provider(tmp_path, env).start()
    try:
        with provider.client() as http:
            auth_id = post(http, "/v1/authorizations", "a", VISA).json()["authorization_id"]
            post(http, f"/v1/authorizations/{auth_id}/void", "v")
        assert all(not e["delivered"] for e in provider.events())
    finally:
        provider.kill()
    with receiving(port=port) as receiver, running(tmp_path, **env):
        receiver.wait(lambda r: len(r.accepted()) == 2)
    types = [json.loads(d.body)["type"] for d in receiver.accepted()]
    # Each failed on its own backoff schedule: they may arrive in either order.
    assert sorted(types) == ["authorization.succeeded", "void.succeeded"]


def test_a_pending_card_is_still_decided_after_a_restart(tmp_path: Path) -> None:
    slow = {"FLEET_SANDBOX_SLOW_MIN_MS": "1500", "FLEET_SANDBOX_SLOW_MAX_MS": "1500"}
    provider = Provider(tmp_path, slow).start()
    try:
        with provider.client() as http:
            body = {**VISA, "card_token": "tok_slow"}
            auth_id = post(http, "/v1/authorizations", "s", body).json()["authorization_id"]
    finally:
        provider.kill()
    with receiving() as receiver, running(tmp_path, **webhook_env(receiver, **slow)) as again:
        receiver.wait(lambda r: len(r.accepted()) == 1)
        assert [e["kind"] for e in again.ledger()["entries"]] == ["authorized"]
        with again.client() as http:
            assert http.get(f"/v1/authorizations/{auth_id}").json()["status"] == "authorized"
