"""Every refusal has its own row in the API's one table of HTTP statuses."""

from __future__ import annotations

import pytest

from command_service.api.problems import PROBLEM_TYPES, problem_type
from command_service.application import errors as app_errors
from command_service.devclock import ClockWouldGoBackwardsError
from command_service.domain import errors as de


def subclasses(base: type) -> list[type]:
    found = []
    for sub in base.__subclasses__():
        found += [sub, *subclasses(sub)]
    return found


@pytest.mark.parametrize("error", subclasses(de.DomainError), ids=lambda e: e.__name__)
def test_every_refusal_is_listed_with_its_own_title(error: type[de.DomainError]) -> None:
    assert error in PROBLEM_TYPES
    assert PROBLEM_TYPES[error].title != PROBLEM_TYPES[de.DomainError].title


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (de.InvalidCommandError, 422),
        (de.OwnershipError, 403),
        (de.VehicleNotFoundError, 404),
        (de.UnknownEntityError, 404),
        (de.LocationNotFoundError, 404),
        (de.PolicyNotFoundError, 404),
        (de.OverlappingBlockError, 409),
        (app_errors.EntityClosedError, 409),
        (app_errors.PreconditionFailedError, 412),
        (app_errors.IdempotencyKeyReuseError, 422),
        (app_errors.ContentionError, 503),
        (ClockWouldGoBackwardsError, 409),
    ],
)
def test_maps_refusals_to_the_statuses_of_the_contract(
    error: type[de.DomainError], status: int
) -> None:
    assert problem_type(error).status == status


def test_a_subclass_without_a_row_answers_as_its_base() -> None:
    class StillAnOverlap(de.OverlappingBlockError):
        """A refinement nobody listed."""

    assert problem_type(StillAnOverlap) == PROBLEM_TYPES[de.OverlappingBlockError]
