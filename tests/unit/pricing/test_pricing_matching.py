"""Which policy prices a vehicle: every given criterion matches; the highest priority wins."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from shared.pricing.matching import VehicleFacts, applies, winning
from shared.pricing.terms import AppliesTo
from tests.unit.pricing.policies import policy, terms

CAR = UUID("00000000-0000-4000-8000-0000000000c1")
OTHER_CAR = UUID("00000000-0000-4000-8000-0000000000c2")
DEPOT = UUID("00000000-0000-4000-8000-0000000000d1")
OTHER_DEPOT = UUID("00000000-0000-4000-8000-0000000000d2")
FACTS = VehicleFacts(vehicle_id=CAR, make="Tesla", model="Model 3", location_id=DEPOT)


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ({}, True),
        ({"vehicle_ids": [OTHER_CAR, CAR]}, True),
        ({"vehicle_ids": [OTHER_CAR]}, False),
        ({"vehicle_ids": []}, False),
        ({"make": "  tesla "}, True),
        ({"make": "Volvo"}, False),
        ({"model": "MODEL 3"}, True),
        ({"model": "Model Y"}, False),
        ({"location_id": DEPOT}, True),
        ({"location_id": OTHER_DEPOT}, False),
        ({"make": "Tesla", "model": "Model 3", "location_id": DEPOT, "vehicle_ids": [CAR]}, True),
        ({"make": "Tesla", "location_id": OTHER_DEPOT}, False),
    ],
)
def test_a_policy_applies_when_every_given_criterion_matches(
    criteria: dict[str, Any], expected: bool
) -> None:
    assert applies(AppliesTo.model_validate(criteria), FACTS) is expected


def test_a_location_criterion_never_matches_a_vehicle_without_a_location() -> None:
    nowhere = VehicleFacts(vehicle_id=CAR, make="Tesla", model="Model 3", location_id=None)
    assert not applies(AppliesTo(location_id=DEPOT), nowhere)
    assert applies(AppliesTo(make="Tesla"), nowhere)


def _ranked(priority: int, policy_id: str, **criteria: Any) -> Any:
    return policy(terms(priority=priority, applies_to=criteria), policy_id=UUID(policy_id))


LOW = "00000000-0000-4000-8000-000000000001"
HIGH = "00000000-0000-4000-8000-000000000002"
SMALL = "00000000-0000-4000-8000-000000000003"
LARGE = "00000000-0000-4000-8000-000000000004"


def test_the_highest_priority_of_the_matching_policies_wins() -> None:
    candidates = [
        _ranked(1, LOW),
        _ranked(5, HIGH, make="Tesla"),
        _ranked(9, LARGE, make="Volvo"),  # higher, but does not match
    ]
    assert winning(candidates, FACTS) is candidates[1]


def test_a_tie_goes_to_the_smaller_policy_id() -> None:
    large, small = _ranked(5, LARGE), _ranked(5, SMALL)
    assert winning([large, small], FACTS) is small
    assert winning([small, large], FACTS) is small


def test_no_matching_policy_means_none() -> None:
    assert winning([_ranked(1, LOW, make="Volvo")], FACTS) is None
    assert winning([], FACTS) is None
