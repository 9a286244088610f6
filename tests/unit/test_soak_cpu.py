"""The soak benchmark's CPU and memory figures (bench/process_tree.py). CPU keeps the
children that exited between samples (PostgreSQL backends come and go; their time moves
to the parent's cutime)."""

from __future__ import annotations

import os
import subprocess
import sys

from bench.process_tree import Memory, tree_cpu_s, tree_memory_mb

BURN = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\n"


def test_a_child_that_exits_still_counts_in_its_parents_tree():
    before = tree_cpu_s(os.getpid())
    subprocess.run([sys.executable, "-c", BURN], check=True, timeout=30)  # reaped here
    assert tree_cpu_s(os.getpid()) - before >= 0.25


def test_a_process_tree_has_memory_of_its_own():
    memory = tree_memory_mb(os.getpid())
    assert memory.own > 10  # MiB: this interpreter and pytest
    assert memory.shared >= 0
    assert memory.autovacuum == 0  # no PostgreSQL autovacuum worker in this tree


def test_a_peak_is_taken_part_by_part():
    earlier, later = Memory(80, 200, 0), Memory(70, 260, 38)
    assert earlier.peak(later) == Memory(80, 260, 38)
