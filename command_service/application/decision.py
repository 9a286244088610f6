"""What any command decided, whatever the kind of its stream: the events appended, the
state after them, its version and the global position of the last event."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from shared.contract.events import StreamEvent

S_co = TypeVar("S_co", covariant=True)


class Decided(Protocol[S_co]):
    """A decision on one stream (a vehicle's `Decision`, a location's `StreamDecision`)."""

    @property
    def events(self) -> Sequence[StreamEvent]:
        """The events appended; empty when the command changed nothing."""
        ...

    @property
    def state(self) -> S_co:
        """The stream's decision state after the events."""
        ...

    @property
    def version(self) -> int:
        """The stream's version after the events (the ETag)."""
        ...

    @property
    def position(self) -> int | None:
        """Global position of the last event; None when nothing was appended."""
        ...
