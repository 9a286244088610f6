"""Fault switches: a provider down for a while, slow answers; only with test hooks on."""

from __future__ import annotations

import time
from pathlib import Path

from tests.sandbox.provider import VISA, Provider, post, receiving, running, webhook_env


def test_a_provider_taken_down_answers_503_then_comes_back(provider: Provider) -> None:
    with provider.client() as http:
        assert http.put("/v1/test/faults", json={"down_for_s": 1.5}).status_code == 200
        down = post(http, "/v1/authorizations", "a", VISA)
        assert down.status_code == 503
        assert down.headers["content-type"] == "application/problem+json"
        assert int(down.headers["Retry-After"]) >= 1
        assert http.get("/v1/ledger").status_code == 200  # reads of the ledger keep working
        time.sleep(1.6)
        assert post(http, "/v1/authorizations", "a", VISA).status_code == 201
    assert len(provider.ledger()["entries"]) == 1  # the refused attempt moved nothing


def test_slow_answers_take_at_least_the_delay(provider: Provider) -> None:
    with provider.client() as http:
        http.put("/v1/test/faults", json={"delay_ms": 400})
        started = time.monotonic()
        assert post(http, "/v1/authorizations", "a", VISA).status_code == 201
        assert time.monotonic() - started >= 0.4
        http.put("/v1/test/faults", json={})
        assert http.get("/v1/test/faults").json() == {
            "down_for_s": 0,
            "delay_ms": 0,
            "webhooks_paused": False,
        }


def test_webhooks_wait_while_the_provider_is_down(tmp_path: Path) -> None:
    with (
        receiving() as receiver,
        running(tmp_path, **webhook_env(receiver)) as provider,
        provider.client() as http,
    ):
        http.put("/v1/test/faults", json={"webhooks_paused": True})
        post(http, "/v1/authorizations", "a", VISA)
        http.put("/v1/test/faults", json={"down_for_s": 1.0})
        time.sleep(0.5)
        assert receiver.deliveries == []
        receiver.wait(lambda r: len(r.accepted()) == 1, timeout_s=5)


def test_without_test_hooks_there_are_no_switches(tmp_path: Path) -> None:
    with running(tmp_path, FLEET_SANDBOX_TEST_HOOKS="false") as provider, provider.client() as http:
        assert http.put("/v1/test/faults", json={"down_for_s": 30}).status_code == 404
        assert http.post("/v1/test/webhooks/evt_x/redeliver").status_code == 404
        assert post(http, "/v1/authorizations", "a", VISA).status_code == 201
