"""The soak benchmark's table: reads/s and WAL per booking next to the CPU figures."""

from __future__ import annotations

from collections import Counter

from bench.loadgen import LoadResult
from bench.soak import Window, report

COMPONENTS = ["command", "query", "broker", "postgres"]


def _load(count: int, status: int, seconds: float = 10.0) -> LoadResult:
    statuses = Counter({status: count})
    return LoadResult(1, seconds, [0.01] * count, statuses, statuses, 0.0)


def _window(index: int, wal_bytes: float) -> Window:
    cpu = dict.fromkeys(COMPONENTS, 2.0)
    pss = dict.fromkeys(COMPONENTS, 80.0)
    return Window(index, _load(1000, 201), _load(500, 200), cpu, pss, 0, 1, wal_bytes)


def test_the_table_shows_reads_per_second_and_wal_per_booking():
    text, met = report([_window(1, 4 * 1024 * 1000), _window(2, 5 * 1024 * 1000)], COMPONENTS)
    header, first, second = text.splitlines()[:3]
    assert "read/s" in header and "WAL KiB" in header
    assert first.split()[4] == "50"  # 500 reads in 10 s
    assert first.split("|")[1].split()[-1] == "4.00"  # KiB per booking
    assert second.split("|")[1].split()[-1] == "5.00"
    assert met  # WAL is shown, not judged


def test_own_memory_is_judged_and_shared_memory_only_shown():
    first, filling, leaking = _window(1, 0), _window(2, 0), _window(2, 0)
    first.shared_mb = {"postgres": 200.0}
    filling.shared_mb = {"postgres": 260.0}  # the buffer cache filling to shared_buffers
    leaking.pss_mb = {**leaking.pss_mb, "query": 90.0}  # 80 -> 90 MiB of its own
    text, met = report([first, filling], COMPONENTS)
    assert "shared" in text.splitlines()[0]
    assert text.splitlines()[2].split("|")[2].split()[-1] == "260"
    assert met
    text, met = report([first, leaking], COMPONENTS)
    assert "MISSED memory flat: query" in text and not met
