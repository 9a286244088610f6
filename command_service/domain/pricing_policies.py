"""The pricing policy aggregate: versioned terms of one organization, its own stream.

Every event carries one whole version of the terms (`PricingTerms`, checked for
consistency when parsed), so a policy's state is simply its latest version
(`PolicyVersion`). Publishing makes version 1; each revision the next version. Older
versions are never changed: quotes and bookings cite them. Another organization's
policy reads exactly as an unknown id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from command_service.domain.errors import IdAlreadyUsedError, PolicyNotFoundError
from command_service.domain.evolve import CorruptStreamError
from shared.contract.events import (
    PricingPolicyEvent,
    PricingPolicyPublished,
    PricingPolicyRevised,
    StreamEvent,
    as_utc,
)
from shared.pricing.priced import PolicyVersion
from shared.pricing.terms import PricingTerms


@dataclass(frozen=True)
class PublishPolicy:
    policy_id: UUID
    organization_id: UUID  # the publishing staff member's
    terms: PricingTerms


@dataclass(frozen=True)
class RevisePolicy:
    organization_id: UUID  # the caller's: another organization's policy is unknown
    terms: PricingTerms  # the whole new version, not a patch


PolicyCommand = PublishPolicy | RevisePolicy


def _publish(state: PolicyVersion | None, c: PublishPolicy, now: datetime,
             new_id: Callable[[], UUID]) -> list[PricingPolicyEvent]:  # fmt: skip
    if state is not None:
        raise IdAlreadyUsedError("this pricing policy id is already used")
    published = PricingPolicyPublished(
        event_id=new_id(), policy_id=c.policy_id, version=1, occurred_at=as_utc(now),
        organization_id=c.organization_id, terms=c.terms,
    )  # fmt: skip
    return [published]


def _revise(state: PolicyVersion | None, c: RevisePolicy, now: datetime,
            new_id: Callable[[], UUID], policy_id: UUID) -> list[PricingPolicyEvent]:  # fmt: skip
    if state is None or state.organization_id != c.organization_id:
        raise PolicyNotFoundError.of(policy_id)
    if c.terms == state.terms:
        return []
    revised = PricingPolicyRevised(
        event_id=new_id(), policy_id=policy_id, version=state.version + 1,
        occurred_at=as_utc(now), organization_id=state.organization_id, terms=c.terms,
    )  # fmt: skip
    return [revised]


def decide_policy(
    state: PolicyVersion | None,
    command: PolicyCommand,
    now: datetime,
    new_id: Callable[[], UUID],
    policy_id: UUID,
) -> list[PricingPolicyEvent]:
    """The events `command` adds to the policy stream `policy_id` (state None: no such
    stream yet); [] when a revision repeats the current terms."""
    if isinstance(command, PublishPolicy):
        return _publish(state, command, now, new_id)
    return _revise(state, command, now, new_id, policy_id)


def evolve_policy(state: PolicyVersion | None, event: StreamEvent) -> PolicyVersion:
    """The policy's current version after one event of its stream."""
    match event:
        case PricingPolicyPublished() if state is None:
            return PolicyVersion(
                policy_id=event.policy_id, version=event.version,
                organization_id=event.organization_id, terms=event.terms,
            )  # fmt: skip
        case PricingPolicyRevised() if state is not None and event.version == state.version + 1:
            return replace(state, version=event.version, terms=event.terms)
    raise CorruptStreamError(f"{type(event).__name__} v{event.version} does not follow {state}")


def fold_policy(
    events: Iterable[StreamEvent], state: PolicyVersion | None = None
) -> PolicyVersion | None:
    """The current version a policy's events leave (None for no events)."""
    for event in events:
        state = evolve_policy(state, event)
    return state
