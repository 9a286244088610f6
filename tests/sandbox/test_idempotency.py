"""A key is executed once: retries, concurrent duplicates and stored refusals."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.sandbox.provider import VISA, Provider, post


def test_the_same_key_and_body_twice_answers_the_same_and_moves_money_once(
    provider: Provider,
) -> None:
    with provider.client() as http:
        first = post(http, "/v1/authorizations", "key-1", VISA)
        second = post(http, "/v1/authorizations", "key-1", VISA)
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.content == first.content
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert len(provider.ledger()["entries"]) == 1


def test_the_same_key_with_a_different_body_is_refused_with_422(provider: Provider) -> None:
    with provider.client() as http:
        post(http, "/v1/authorizations", "key-1", VISA)
        other = post(http, "/v1/authorizations", "key-1", {**VISA, "amount_cents": 1})
    assert other.status_code == 422
    assert other.json()["type"].endswith("idempotency-key-reused")
    assert len(provider.ledger()["entries"]) == 1


def test_the_same_key_on_another_operation_is_refused_with_422(provider: Provider) -> None:
    with provider.client() as http:
        auth_id = post(http, "/v1/authorizations", "key-1", VISA).json()["authorization_id"]
        reused = post(http, f"/v1/authorizations/{auth_id}/void", "key-1")
        assert reused.status_code == 422
        assert http.get(f"/v1/authorizations/{auth_id}").json()["status"] == "authorized"


def test_concurrent_requests_with_one_key_execute_once(provider: Provider) -> None:
    def send(_: int) -> httpx.Response:
        with provider.client() as http:
            return post(http, "/v1/authorizations", "racing-key", VISA)

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(send, range(32)))
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["authorization_id"] for a in answers}) == 1
    assert len(provider.ledger()["entries"]) == 1


def test_concurrent_captures_with_different_keys_capture_once(provider: Provider) -> None:
    with provider.client() as http:
        auth_id = post(http, "/v1/authorizations", "auth", VISA).json()["authorization_id"]

    def capture(n: int) -> int:
        with provider.client() as http:
            return post(http, f"/v1/authorizations/{auth_id}/capture", f"cap-{n}").status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(capture, range(8)))
    assert statuses == [200] + [409] * 7
    assert provider.ledger()["totals"]["EUR"]["captured"] == 12_000


def test_a_refusal_is_stored_too_and_replayed_for_its_key(provider: Provider) -> None:
    with provider.client() as http:
        auth_id = post(http, "/v1/authorizations", "auth", VISA).json()["authorization_id"]
        path = f"/v1/authorizations/{auth_id}/refunds"
        early = post(http, path, "refund-1", {"amount_cents": 100})
        post(http, f"/v1/authorizations/{auth_id}/capture", "cap")
        retried = post(http, path, "refund-1", {"amount_cents": 100})
    assert (early.status_code, retried.status_code) == (409, 409)
    assert retried.content == early.content
    assert provider.ledger()["totals"]["EUR"]["refunded"] == 0
