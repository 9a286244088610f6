"""Property: over random operation sequences the provider answers as the card rules say,
retries replay, and the ledger of each authorization adds up."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sandbox.provider import VISA, Provider, post, running

AMOUNT = VISA["amount_cents"]
Op = tuple[str, int | None]
operations = st.lists(
    st.one_of(
        st.tuples(st.just("capture"), st.none() | st.integers(1, AMOUNT + 100)),
        st.tuples(st.just("void"), st.none()),
        st.tuples(st.just("refund"), st.integers(1, AMOUNT + 100)),
        st.tuples(st.just("retry"), st.integers(0, 20)),
    ),
    max_size=8,
)


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    with running(tmp_path_factory.mktemp("lifecycles")) as started:
        yield started


@dataclass
class Card:
    """What the rules say an authorization of AMOUNT must look like."""

    status: str = "authorized"
    captured: int = 0
    voided: int = 0
    refunded: int = 0

    def expect(self, op: str, amount: int | None) -> int:
        """The status code the rules give `op`, applying it when it succeeds."""
        if op == "capture":
            wanted = AMOUNT if amount is None else amount
            if self.status != "authorized":
                return 409
            if wanted > AMOUNT:
                return 422
            self.status, self.captured, self.voided = "captured", wanted, AMOUNT - wanted
            return 200
        if op == "void":
            if self.status != "authorized":
                return 409
            self.status, self.voided = "voided", AMOUNT
            return 200
        assert amount is not None
        if self.status != "captured":
            return 409
        if amount > self.captured - self.refunded:
            return 422
        self.refunded += amount
        return 201


def send(http: httpx.Client, auth_id: str, op: str, amount: int | None, key: str) -> httpx.Response:
    path = f"/v1/authorizations/{auth_id}/{'refunds' if op == 'refund' else op}"
    body = None if op == "void" else {"amount_cents": amount}
    return post(http, path, key, body)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(ops=operations)
def test_random_lifecycles_follow_the_rules_and_the_ledger_adds_up(
    provider: Provider, ops: list[Op]
) -> None:
    reference = uuid.uuid4().hex
    card, sent = Card(), []
    with provider.client() as http:
        created = post(http, "/v1/authorizations", reference, {**VISA, "reference": reference})
        auth_id = created.json()["authorization_id"]
        for op, value in ops:
            if op == "retry":
                if not sent:
                    continue
                earlier_op, amount, key, answer = sent[value % len(sent)]
                again = send(http, auth_id, earlier_op, amount, key)
                assert (again.status_code, again.content) == (answer.status_code, answer.content)
                continue
            key = f"{reference}-{len(sent)}"
            answer = send(http, auth_id, op, value, key)
            assert answer.status_code == card.expect(op, value), answer.text
            sent.append((op, value, key, answer))
        now = http.get(f"/v1/authorizations/{auth_id}").json()
    assert (now["status"], now["captured_cents"], now["voided_cents"], now["refunded_cents"]) == (
        card.status,
        card.captured,
        card.voided,
        card.refunded,
    )
    totals = provider.ledger(reference=reference)["totals"]["EUR"]
    assert totals == {
        "authorized": AMOUNT,
        "captured": card.captured,
        "voided": card.voided,
        "refunded": card.refunded,
        "declined": 0,
    }
    if card.status != "authorized":
        assert totals["captured"] + totals["voided"] == AMOUNT
