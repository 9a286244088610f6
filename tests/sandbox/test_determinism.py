"""Under one seed, the same requests give the same ids and the same ledger."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tests.sandbox.provider import VISA, Provider, post, running

SLOW = {"FLEET_SANDBOX_SLOW_MIN_MS": "100", "FLEET_SANDBOX_SLOW_MAX_MS": "400"}


def session(provider: Provider) -> list[Any]:
    """A fixed series of requests; every answer, with the wall-clock times left out.

    It waits for the `tok_slow` decision before going on: where a decision falls among
    other requests depends on timing, which no seed controls.
    """
    answers: list[Any] = []
    with provider.client() as http:
        for n, token in enumerate(("tok_visa", "tok_declined", "tok_slow", "tok_visa")):
            body = {**VISA, "card_token": token, "reference": f"b-{n}"}
            answers.append(post(http, "/v1/authorizations", f"a{n}", body).json())
            while answers[-1]["status"] == "pending":
                time.sleep(0.05)
                answers[-1] = http.get(
                    f"/v1/authorizations/{answers[-1]['authorization_id']}"
                ).json()
        first, last = answers[0]["authorization_id"], answers[-1]["authorization_id"]
        capture, refund = (f"/v1/authorizations/{first}/{op}" for op in ("capture", "refunds"))
        answers.append(post(http, capture, "c", {"amount_cents": 5}).json())
        answers.append(post(http, refund, "r", {"amount_cents": 2}).json())
        answers.append(post(http, f"/v1/authorizations/{last}/void", "v").json())
    answers.append(provider.ledger())
    answers.append([e["event"] for e in provider.events()])
    return strip_times(answers)


def strip_times(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: strip_times(v) for k, v in value.items() if k not in ("at", "created", "updated")
        }
    if isinstance(value, list):
        return [strip_times(v) for v in value]
    return value


def test_two_fresh_runs_with_one_seed_give_identical_ids_and_ledgers(tmp_path: Path) -> None:
    runs = []
    for name in ("one", "two"):
        with running(tmp_path / name, FLEET_SANDBOX_SEED="seed-7", **SLOW) as provider:
            runs.append(session(provider))
    assert runs[0] == runs[1]
    ledger = runs[0][-2]
    assert [e["kind"] for e in ledger["entries"]] == [
        "authorized", "declined", "authorized", "authorized", "captured", "voided", "refunded",
        "voided",
    ]  # fmt: skip


def test_another_seed_gives_other_ids(tmp_path: Path) -> None:
    ids = []
    for seed in ("seed-7", "seed-8"):
        with (
            running(tmp_path / seed, FLEET_SANDBOX_SEED=seed) as provider,
            provider.client() as http,
        ):
            ids.append(post(http, "/v1/authorizations", "a", VISA).json()["authorization_id"])
    assert ids[0] != ids[1]


def test_a_seeded_state_keeps_its_seed_when_restarted_without_one(tmp_path: Path) -> None:
    with (
        running(tmp_path / "a", FLEET_SANDBOX_SEED="seed-7") as provider,
        provider.client() as http,
    ):
        post(http, "/v1/authorizations", "a", VISA)
    with running(tmp_path / "a") as provider, provider.client() as http:
        second = post(http, "/v1/authorizations", "b", VISA).json()["authorization_id"]
    with (
        running(tmp_path / "b", FLEET_SANDBOX_SEED="seed-7") as provider,
        provider.client() as http,
    ):
        post(http, "/v1/authorizations", "a", VISA)
        assert post(http, "/v1/authorizations", "b", VISA).json()["authorization_id"] == second
