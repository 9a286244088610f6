"""If-Match on any kind of stream: the precondition and the order it is checked in."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from command_service.application.errors import PreconditionFailedError
from command_service.domain.errors import DomainError

E = TypeVar("E")


def decide_if_match(
    current: int | None,
    if_match: int | None,
    decide: Callable[[], list[E]],
    not_found: tuple[type[DomainError], ...],
) -> list[E]:
    """The decision, unless If-Match is stale (412). "Not found" comes first: a stale
    If-Match must not reveal that another customer's (or organization's) record exists,
    nor its version. `current` is the stream's version, None when it has none."""
    stale = if_match is not None and current != if_match
    try:
        events = decide()
    except not_found:
        raise
    except DomainError:
        if not stale:
            raise
        events = []
    if stale:
        shown = "none" if current is None else current
        raise PreconditionFailedError(f"If-Match {if_match} is stale; current version is {shown}")
    return events
