"""Specs of the pricing policy aggregate: publish, revise, another organization's."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from command_service.domain.errors import IdAlreadyUsedError, PolicyNotFoundError
from command_service.domain.evolve import CorruptStreamError
from command_service.domain.pricing_policies import (
    PublishPolicy,
    RevisePolicy,
    decide_policy,
    evolve_policy,
    fold_policy,
)
from shared.contract.events import PricingPolicyPublished, PricingPolicyRevised
from shared.contract.organizations import DEFAULT_ORGANIZATION_ID as ORG
from shared.pricing.priced import PolicyVersion
from shared.pricing.terms import PricingTerms
from tests.unit.fakes import NOW, Ids

POLICY = UUID(int=0x9011C)
OTHER_ORG = UUID(int=0x0A6)


def terms(**fields: Any) -> PricingTerms:
    body = {"name": "City", "currency": "EUR", "rates": {"hourly_cents": 1500, "daily_cents": 7000}}
    return PricingTerms.model_validate({**body, **fields})


def published() -> PolicyVersion:
    state = fold_policy(
        decide_policy(None, PublishPolicy(POLICY, ORG, terms()), NOW, Ids(1), POLICY)
    )
    assert state is not None
    return state


def test_publishing_makes_version_1_with_the_whole_terms() -> None:
    events = decide_policy(None, PublishPolicy(POLICY, ORG, terms()), NOW, Ids(0xE0), POLICY)
    assert events == [
        PricingPolicyPublished(
            event_id=UUID(int=0xE0),
            policy_id=POLICY,
            version=1,
            occurred_at=NOW,
            organization_id=ORG,
            terms=terms(),
        )
    ]
    assert fold_policy(events) == PolicyVersion(POLICY, 1, ORG, terms())


def test_a_revision_is_the_next_version_carrying_the_whole_new_terms() -> None:
    new = terms(priority=4, deposit_cents=20000)
    events = decide_policy(published(), RevisePolicy(ORG, new), NOW, Ids(0xE1), POLICY)
    assert events == [
        PricingPolicyRevised(
            event_id=UUID(int=0xE1),
            policy_id=POLICY,
            version=2,
            occurred_at=NOW,
            organization_id=ORG,
            terms=new,
        )
    ]
    assert fold_policy(events, published()) == PolicyVersion(POLICY, 2, ORG, new)


def test_a_revision_repeating_the_current_terms_decides_nothing() -> None:
    same = terms(priority=0, seasons=[])  # the defaults, spelled out
    assert decide_policy(published(), RevisePolicy(ORG, same), NOW, Ids(1), POLICY) == []


def test_an_unknown_policy_and_another_organizations_read_alike() -> None:
    revise = RevisePolicy(OTHER_ORG, terms(name="Mine"))
    errors = []
    for state in (None, published()):
        with pytest.raises(PolicyNotFoundError) as refused:
            decide_policy(state, revise, NOW, Ids(1), POLICY)
        errors.append(refused.value.detail)
    assert errors == [f"no pricing policy with id {POLICY}"] * 2


def test_a_policy_id_is_published_once() -> None:
    with pytest.raises(IdAlreadyUsedError):
        decide_policy(published(), PublishPolicy(POLICY, ORG, terms()), NOW, Ids(1), POLICY)


def test_a_revision_that_skips_a_version_is_a_corrupt_stream() -> None:
    skipped = PricingPolicyRevised(
        event_id=UUID(int=1), policy_id=POLICY, version=3, occurred_at=NOW,
        organization_id=ORG, terms=terms(),
    )  # fmt: skip
    with pytest.raises(CorruptStreamError):
        evolve_policy(published(), skipped)
    with pytest.raises(CorruptStreamError):
        evolve_policy(None, skipped.model_copy(update={"version": 1}))
