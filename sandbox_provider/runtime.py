"""What the routes of one provider process share: its store, seed, settings and switches."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sandbox_provider.faults import Faults
from sandbox_provider.records import Context
from sandbox_provider.settings import SandboxSettings
from sandbox_provider.store import Store

if TYPE_CHECKING:
    from sandbox_provider.webhooks import Deliverer


@dataclass
class Runtime:
    """Created in the lifespan; `deliverer` is set once the background task exists."""

    settings: SandboxSettings
    store: Store
    seed: str
    faults: Faults = field(default_factory=Faults)
    deliverer: Deliverer = field(init=False)

    def context(self) -> Context:
        """The seed and the current time, for one operation."""
        return Context(
            self.seed,
            datetime.now(UTC),
            self.settings.slow_min_ms,
            self.settings.slow_max_ms,
        )
