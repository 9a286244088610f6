"""The card processor's rules, over HTTP: authorize, capture once, void, refund, refusals."""

from __future__ import annotations

from typing import Any

import httpx

from tests.sandbox.provider import VISA, Provider, post

PROBLEM = "application/problem+json"


def authorize(http: httpx.Client, key: str = "auth-1", **changes: Any) -> dict[str, Any]:
    response = post(http, "/v1/authorizations", key, {**VISA, **changes})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_tok_visa_authorizes_and_the_ledger_records_it(provider: Provider) -> None:
    with provider.client() as http:
        auth = authorize(http, metadata={"booking_id": "b-1"})
        assert auth["status"] == "authorized"
        assert auth["amount_cents"] == 12_000 and auth["currency"] == "EUR"
        assert auth["metadata"] == {"booking_id": "b-1"}
        assert http.get(f"/v1/authorizations/{auth['authorization_id']}").json() == auth
    ledger = provider.ledger()
    assert [(e["kind"], e["amount_cents"], e["reference"]) for e in ledger["entries"]] == [
        ("authorized", 12_000, "b-1")
    ]
    assert ledger["totals"]["EUR"]["authorized"] == 12_000


def test_tok_declined_answers_201_declined_with_a_reason(provider: Provider) -> None:
    with provider.client() as http:
        auth = authorize(http, card_token="tok_declined")
        assert (auth["status"], auth["decline_code"]) == ("declined", "card_declined")
        capture = post(http, f"/v1/authorizations/{auth['authorization_id']}/capture", "c")
        assert capture.status_code == 409
    assert [e["kind"] for e in provider.ledger()["entries"]] == ["declined"]


def test_an_unknown_card_token_is_refused_with_422(provider: Provider) -> None:
    with provider.client() as http:
        response = post(http, "/v1/authorizations", "k", {**VISA, "card_token": "tok_amex"})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["errors"][0]["field"] == "card_token"
    assert provider.ledger()["entries"] == []


def test_a_partial_capture_releases_the_rest_and_a_second_capture_is_refused(
    provider: Provider,
) -> None:
    with provider.client() as http:
        auth_id = authorize(http)["authorization_id"]
        captured = post(
            http, f"/v1/authorizations/{auth_id}/capture", "cap-1", {"amount_cents": 9_000}
        )
        assert captured.status_code == 200
        assert captured.json()["status"] == "captured"
        assert (captured.json()["captured_cents"], captured.json()["voided_cents"]) == (
            9_000,
            3_000,
        )
        again = post(http, f"/v1/authorizations/{auth_id}/capture", "cap-2", {"amount_cents": 1})
        assert again.status_code == 409
        assert again.headers["content-type"] == PROBLEM
    kinds = [(e["kind"], e["amount_cents"]) for e in provider.ledger()["entries"]]
    assert kinds == [("authorized", 12_000), ("captured", 9_000), ("voided", 3_000)]


def test_a_capture_without_an_amount_takes_the_whole_authorization(provider: Provider) -> None:
    with provider.client() as http:
        auth_id = authorize(http)["authorization_id"]
        captured = post(http, f"/v1/authorizations/{auth_id}/capture", "cap")
    assert (captured.json()["captured_cents"], captured.json()["voided_cents"]) == (12_000, 0)


def test_a_capture_above_the_authorized_amount_is_refused_with_422(provider: Provider) -> None:
    with provider.client() as http:
        auth_id = authorize(http)["authorization_id"]
        response = post(
            http, f"/v1/authorizations/{auth_id}/capture", "cap", {"amount_cents": 12_001}
        )
        assert response.status_code == 422
        assert http.get(f"/v1/authorizations/{auth_id}").json()["status"] == "authorized"


def test_a_void_releases_everything_and_nothing_can_be_captured_after(provider: Provider) -> None:
    with provider.client() as http:
        auth_id = authorize(http)["authorization_id"]
        voided = post(http, f"/v1/authorizations/{auth_id}/void", "void")
        assert (voided.status_code, voided.json()["status"]) == (200, "voided")
        assert post(http, f"/v1/authorizations/{auth_id}/capture", "cap").status_code == 409
        assert post(http, f"/v1/authorizations/{auth_id}/void", "void-2").status_code == 409
    assert provider.ledger()["totals"]["EUR"]["voided"] == 12_000


def test_refunds_add_up_to_at_most_what_was_captured(provider: Provider) -> None:
    with provider.client() as http:
        auth_id = authorize(http)["authorization_id"]
        path = f"/v1/authorizations/{auth_id}/refunds"
        assert post(http, path, "early", {"amount_cents": 100}).status_code == 409
        post(http, f"/v1/authorizations/{auth_id}/capture", "cap", {"amount_cents": 10_000})
        first = post(http, path, "r1", {"amount_cents": 4_000})
        assert first.status_code == 201
        assert first.json()["refund_id"].startswith("re_")
        assert post(http, path, "r2", {"amount_cents": 6_001}).status_code == 422
        assert post(http, path, "r3", {"amount_cents": 6_000}).status_code == 201
        assert post(http, path, "r4", {"amount_cents": 1}).status_code == 422
        assert http.get(f"/v1/authorizations/{auth_id}").json()["refunded_cents"] == 10_000
    totals = provider.ledger()["totals"]["EUR"]
    assert totals == {
        "authorized": 12_000,
        "captured": 10_000,
        "voided": 2_000,
        "refunded": 10_000,
        "declined": 0,
    }


def test_an_unknown_authorization_is_404_problem_json(provider: Provider) -> None:
    with provider.client() as http:
        assert http.get("/v1/authorizations/auth_nope").status_code == 404
        response = post(http, "/v1/authorizations/auth_nope/void", "v")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM


def test_a_money_moving_request_without_an_idempotency_key_is_refused(
    provider: Provider,
) -> None:
    with provider.client() as http:
        response = http.post("/v1/authorizations", json=VISA)
    assert response.status_code == 400
    assert response.json()["type"].endswith("missing-idempotency-key")
    assert provider.ledger()["entries"] == []


def test_the_ledger_filters_by_reference(provider: Provider) -> None:
    with provider.client() as http:
        authorize(http, "a", reference="b-1")
        authorize(http, "b", reference="b-2", currency="USD", amount_cents=500)
    only = provider.ledger(reference="b-2")
    assert [e["reference"] for e in only["entries"]] == ["b-2"]
    assert list(only["totals"]) == ["USD"]
