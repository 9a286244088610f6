"""The ids the services mint: UUIDv7, in the order they were made, never repeated."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from shared.kit import clock
from shared.kit.clock import time_ordered_id

NOON_NS = int(datetime(2026, 11, 27, 12, tzinfo=UTC).timestamp()) * 1_000_000_000


@pytest.fixture
def frozen_ns(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    now = [NOON_NS]
    monkeypatch.setattr(clock.time, "time_ns", lambda: now[0])
    return now


def test_an_id_is_an_rfc_9562_version_7_uuid_that_tells_its_millisecond(
    frozen_ns: list[int],
) -> None:
    frozen_ns[0] = NOON_NS + 123_456_789
    made = time_ordered_id()
    assert made.version == 7
    assert made.variant == uuid.RFC_4122
    assert made.int >> 80 == NOON_NS // 1_000_000 + 123
    assert uuid.UUID(str(made)) == made


def test_ids_sort_in_the_order_they_were_made_to_a_fraction_of_a_millisecond(
    frozen_ns: list[int],
) -> None:
    made = []
    for step in range(2_000):
        frozen_ns[0] = NOON_NS + step * 250  # 4 ids per microsecond
        made.append(time_ordered_id())
    assert made == sorted(made)
    assert str(made[0]) < str(made[-1])  # text order too, as PostgreSQL's uuid compares


def test_ids_made_in_the_same_instant_never_repeat(frozen_ns: list[int]) -> None:
    made = {time_ordered_id() for _ in range(10_000)}
    assert len(made) == 10_000
    assert {m.int >> 64 for m in made} == {made.pop().int >> 64}  # only the random bits differ
