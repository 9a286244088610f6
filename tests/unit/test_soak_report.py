"""The soak benchmark's table: reads/s and WAL per booking next to the CPU figures."""

from __future__ import annotations

from collections import Counter

from bench.loadgen import LoadResult
from bench.process_tree import Memory
from bench.soak import Window, report

COMPONENTS = ["command", "query", "broker", "postgres"]


def _load(count: int, status: int, seconds: float = 10.0) -> LoadResult:
    statuses = Counter({status: count})
    return LoadResult(1, seconds, [0.01] * count, statuses, statuses, 0.0)


def _window(index: int, wal_bytes: float) -> Window:
    cpu = dict.fromkeys(COMPONENTS, 2.0)
    memory = dict.fromkeys(COMPONENTS, Memory(own=80.0))
    return Window(index, _load(1000, 201), _load(500, 200), cpu, memory, 0, 1, wal_bytes)


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
    first.memory["postgres"] = Memory(own=80.0, shared=200.0)
    filling.memory["postgres"] = Memory(own=80.0, shared=260.0)  # the buffer cache filling
    leaking.memory["query"] = Memory(own=90.0)  # 80 -> 90 MiB of its own
    text, met = report([first, filling], COMPONENTS)
    assert "shared" in text.splitlines()[0]
    assert text.splitlines()[2].split("|")[2].split()[-2] == "260"
    assert met
    text, met = report([first, leaking], COMPONENTS)
    assert "MISSED memory flat: query" in text and not met


def test_autovacuum_workers_memory_is_shown_apart_and_not_judged():
    """A worker vacuuming a big table holds up to maintenance_work_mem while it lives; a
    window whose samples catch one must not read as PostgreSQL's memory growing."""
    first, vacuuming = _window(1, 0), _window(2, 0)
    vacuuming.memory["postgres"] = Memory(own=80.0, autovacuum=38.0)
    text, met = report([first, vacuuming], COMPONENTS)
    assert text.splitlines()[0].split("|")[2].split()[-1] == "autovac"
    assert text.splitlines()[2].split("|")[2].split()[-1] == "38"
    assert met


def test_cpu_and_throughput_are_judged_net_of_the_boxs_own_drift():
    """The same code on a box that slowed down 15 % costs 15 % more CPU per booking and
    books 13 % less: the yardstick beside the load says so, and the floor holds. Without
    the yardstick moving, the same figures miss."""
    first, slower = _window(1, 0), _window(2, 0)
    first.yardstick_ms, slower.yardstick_ms = 10.0, 11.5
    slower.cpu_s = dict.fromkeys(COMPONENTS, 2.0 * 1.15 * 0.87)  # per booking: +15 %
    slower.bookings = _load(870, 201)
    text, met = report([first, slower], COMPONENTS)
    assert "the box ran 15.0% slower" in text
    assert "met    cpu per booking: command (+15.0%; +0.0% for the box's speed)" in text
    assert met
    slower.yardstick_ms = 10.0
    text, met = report([first, slower], COMPONENTS)
    assert "MISSED cpu per booking: command (+15.0%; +15.0% for the box's speed)" in text
    assert "MISSED throughput (-13.0%; -13.0% for the box's speed)" in text
    assert not met
