"""Each test gets its own provider process over a fresh state dir."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sandbox.provider import Provider, running


@pytest.fixture
def provider(tmp_path: Path) -> Iterator[Provider]:
    """A provider with test hooks on, no webhook URL, `tok_slow` pending 0.3 to 0.6 s."""
    with running(
        tmp_path / "state", FLEET_SANDBOX_SLOW_MIN_MS="300", FLEET_SANDBOX_SLOW_MAX_MS="600"
    ) as started:
        yield started
