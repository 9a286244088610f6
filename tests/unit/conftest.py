"""Fixtures of the domain specs; the fakes themselves live in tests/unit/fakes.py."""

from __future__ import annotations

import pytest

from tests.unit.fakes import Vehicle, registered_vehicle


@pytest.fixture
def vehicle() -> Vehicle:
    """A registered vehicle with no calendar entries yet."""
    return registered_vehicle()
