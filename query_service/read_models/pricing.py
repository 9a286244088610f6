"""Read models `pricing_policies` (each policy's current version) and
`pricing_policy_versions` (every version ever published), per organization."""

from __future__ import annotations

from query_service.read_models.page import Fold, Page
from query_service.read_models.tables import Rows
from shared.contract import events as ev
from shared.contract.serialization import dumps

POLICIES = Rows("pricing_policies", "policy_id", ids=("policy_id",), kind="pricing_policy")
# Keyed by the publishing event: every version is a new row, never loaded or changed.
VERSIONS = Rows("pricing_policy_versions", "event_id", ids=())
TABLES = (POLICIES, VERSIONS)


def _current(e: ev.PricingPolicyEvent) -> dict[str, object]:
    """The columns a policy's row takes from the version an event carries."""
    return {"version": e.version, "terms": _terms(e), "updated_at": e.occurred_at}


def _terms(e: ev.PricingPolicyEvent) -> str:
    return dumps(e.terms.model_dump(mode="json")).decode()


def _version(p: Page, e: ev.PricingPolicyEvent) -> None:
    p[VERSIONS].insert(e.event_id, policy_id=e.policy_id, version=e.version, terms=_terms(e),
                       organization_id=e.organization_id, published_at=e.occurred_at)  # fmt: skip


def _published(p: Page, e: ev.PricingPolicyPublished) -> None:
    p[POLICIES].insert(e.policy_id, organization_id=e.organization_id,
                       published_at=e.occurred_at, **_current(e))  # fmt: skip
    _version(p, e)


def _revised(p: Page, e: ev.PricingPolicyRevised) -> None:
    p[POLICIES].update(e.policy_id, **_current(e))
    _version(p, e)


FOLDS: dict[type[ev.StreamEvent], Fold] = {
    ev.PricingPolicyPublished: _published,
    ev.PricingPolicyRevised: _revised,
}
