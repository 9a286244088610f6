"""The soak benchmark's CPU figure keeps the CPU of children that exited between samples
(PostgreSQL backends come and go; their time moves to the parent's cutime)."""

from __future__ import annotations

import os
import subprocess
import sys

from bench.soak import tree_cpu_s

BURN = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\n"


def test_a_child_that_exits_still_counts_in_its_parents_tree():
    before = tree_cpu_s(os.getpid())
    subprocess.run([sys.executable, "-c", BURN], check=True, timeout=30)  # reaped here
    assert tree_cpu_s(os.getpid()) - before >= 0.25
