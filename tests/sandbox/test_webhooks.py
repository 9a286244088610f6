"""Signed webhooks: every state change, verifiable, retried with backoff, replayable."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path

from shared.payments.signature import SignatureError, verify
from tests.sandbox.provider import SECRET, VISA, post, receiving, running, webhook_env


def types_of(deliveries: list) -> list[str]:
    return [json.loads(d.body)["type"] for d in deliveries]


def test_every_state_change_is_delivered_signed_and_verifiable(tmp_path: Path) -> None:
    with (
        receiving() as receiver,
        running(tmp_path, **webhook_env(receiver)) as provider,
        provider.client() as http,
    ):
        auth_id = post(http, "/v1/authorizations", "a", VISA).json()["authorization_id"]
        post(http, f"/v1/authorizations/{auth_id}/capture", "c", {"amount_cents": 10_000})
        post(http, f"/v1/authorizations/{auth_id}/refunds", "r", {"amount_cents": 2_500})
        declined = post(http, "/v1/authorizations", "d", {**VISA, "card_token": "tok_declined"})
        voidable = post(http, "/v1/authorizations", "v", VISA).json()["authorization_id"]
        post(http, f"/v1/authorizations/{voidable}/void", "vv")
        receiver.wait(lambda r: len(r.accepted()) == 6)
    deliveries = receiver.accepted()
    assert sorted(types_of(deliveries)) == sorted(
        [
            "authorization.succeeded",
            "capture.succeeded",
            "refund.succeeded",
            "authorization.declined",
            "authorization.succeeded",
            "void.succeeded",
        ]
    )
    for delivery in deliveries:
        assert verify(SECRET, delivery.signature, delivery.body, now=time.time())
    capture = next(json.loads(d.body) for d in deliveries if b"capture.succeeded" in d.body)
    assert capture["data"]["amount_cents"] == 10_000
    assert capture["data"]["released_cents"] == 2_000
    assert capture["data"]["authorization"]["authorization_id"] == auth_id
    declined_event = next(json.loads(d.body) for d in deliveries if b"declined" in d.body)
    assert (
        declined_event["data"]["authorization"]["authorization_id"]
        == declined.json()["authorization_id"]
    )


def test_a_signature_checked_with_another_secret_or_body_fails(tmp_path: Path) -> None:
    with (
        receiving() as receiver,
        running(tmp_path, **webhook_env(receiver)) as provider,
        provider.client() as http,
    ):
        post(http, "/v1/authorizations", "a", VISA)
        receiver.wait(lambda r: len(r.accepted()) == 1)
    delivery = receiver.accepted()[0]
    for secret, body in (("not-the-secret", delivery.body), (SECRET, delivery.body + b"\n")):
        try:
            verify(secret, delivery.signature, body, now=time.time())
        except SignatureError:
            continue
        raise AssertionError("a wrong secret or body verified")


def test_failed_deliveries_are_retried_with_exponential_backoff_until_a_2xx(
    tmp_path: Path,
) -> None:
    with receiving(fail_first=3) as receiver, running(tmp_path, **webhook_env(receiver)) as p:
        with p.client() as http:
            post(http, "/v1/authorizations", "a", VISA)
        receiver.wait(lambda r: len(r.accepted()) == 1)
        (event,) = p.events()
    times = [d.at for d in receiver.deliveries]
    assert [d.answered for d in receiver.deliveries] == [500, 500, 500, 200]
    assert len({d.body for d in receiver.deliveries}) == 1  # the same event each time
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    # First delay 200 ms, doubling, capped at 800 ms (the 0.2 s poll and a busy CPU add some).
    for gap, least in zip(gaps, (0.2, 0.4, 0.8), strict=True):
        assert least - 0.02 <= gap <= least + 1.0, gaps
    assert (event["attempts"], event["delivered"]) == (4, True)


def test_a_receiver_that_never_accepts_is_given_up_after_the_last_attempt(
    tmp_path: Path,
) -> None:
    env = {"FLEET_SANDBOX_WEBHOOK_MAX_ATTEMPTS": "3"}
    with (
        receiving(fail_first=99) as receiver,
        running(tmp_path, **webhook_env(receiver, **env)) as p,
    ):
        with p.client() as http:
            post(http, "/v1/authorizations", "a", VISA)
        receiver.wait(lambda r: len(r.deliveries) == 3)
        time.sleep(1.5)  # longer than the next backoff would be
        (event,) = p.events()
    assert len(receiver.deliveries) == 3
    assert (event["given_up"], event["delivered"], event["last_error"]) == (True, False, "HTTP 500")


def test_tok_slow_answers_pending_and_the_outcome_arrives_by_webhook(tmp_path: Path) -> None:
    with receiving() as receiver:
        slow = {"FLEET_SANDBOX_SLOW_MIN_MS": "500", "FLEET_SANDBOX_SLOW_MAX_MS": "800"}
        with (
            running(tmp_path, **webhook_env(receiver, **slow)) as provider,
            provider.client() as http,
        ):
            asked_at = time.time()
            created = post(http, "/v1/authorizations", "s", {**VISA, "card_token": "tok_slow"})
            auth_id = created.json()["authorization_id"]
            assert (created.status_code, created.json()["status"]) == (201, "pending")
            assert provider.ledger()["entries"] == []
            receiver.wait(lambda r: len(r.accepted()) == 1)
            assert http.get(f"/v1/authorizations/{auth_id}").json()["status"] == "authorized"
    event = json.loads(receiver.accepted()[0].body)
    assert event["type"] == "authorization.succeeded"
    assert event["data"]["authorization"]["authorization_id"] == auth_id
    assert event["data"]["authorization"]["status"] == "authorized"
    assert receiver.accepted()[0].at - asked_at >= 0.5  # decided after the pending delay


def test_the_test_hook_redelivers_an_event_as_a_duplicate_and_out_of_order(
    tmp_path: Path,
) -> None:
    with (
        receiving() as receiver,
        running(tmp_path, **webhook_env(receiver)) as provider,
        provider.client() as http,
    ):
        http.put("/v1/test/faults", json={"webhooks_paused": True})
        auth_id = post(http, "/v1/authorizations", "a", VISA).json()["authorization_id"]
        post(http, f"/v1/authorizations/{auth_id}/void", "v")
        first, second = (e["id"] for e in provider.events())
        for event_id in (second, first):  # reversed
            answer = http.post(f"/v1/test/webhooks/{event_id}/redeliver").json()
            assert answer["delivered"] is True
        http.put("/v1/test/faults", json={"webhooks_paused": False})
        receiver.wait(lambda r: len(r.accepted()) == 4)
        assert http.post("/v1/test/webhooks/evt_nope/redeliver").status_code == 404
    ids = [json.loads(d.body)["id"] for d in receiver.accepted()]
    assert ids == [second, first, first, second]
