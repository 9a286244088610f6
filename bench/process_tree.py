"""What a process tree costs, read from /proc: CPU seconds and resident memory by part
(the soak benchmark's per-component figures)."""

from __future__ import annotations

import asyncio
import os
from dataclasses import astuple, dataclass
from pathlib import Path

import psutil

TICK_S = 1 / os.sysconf("SC_CLK_TCK")


def _tree_pids(pid: int) -> list[int]:
    """`pid` and its descendants now (none when it is gone)."""
    try:
        return [pid, *(child.pid for child in psutil.Process(pid).children(recursive=True))]
    except psutil.Error:
        return []


def tree_cpu_s(pid: int) -> float:
    """CPU seconds of a process tree, from /proc/<pid>/stat: each live process's utime +
    stime plus cutime + cstime, the CPU of its children that exited and were reaped (so
    a PostgreSQL backend that ends between two samples is not lost from the sum)."""
    total = 0.0
    for each in _tree_pids(pid):
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(field) for field in fields[11:15]) * TICK_S
    return total


@dataclass(frozen=True)
class Memory:
    """Proportional resident memory (PSS) of a process tree, in MiB, in three parts.
    Shared pages are split between their users, not counted in each."""

    own: float = 0.0  # private pages and its share of mapped files: judged
    # Its share of shared memory: PostgreSQL's buffer cache, which fills up to
    # `shared_buffers` as the tables grow and more of them is touched. Shown.
    shared: float = 0.0
    # The own memory of PostgreSQL's autovacuum workers, apart from `own`: each lives for
    # one pass over one database's tables that need it and holds up to
    # `maintenance_work_mem` of dead-row ids per table, so a sample finds one or none.
    # Bounded by configuration; shown.
    autovacuum: float = 0.0

    def peak(self, other: Memory) -> Memory:
        return Memory(*(max(a, b) for a, b in zip(astuple(self), astuple(other), strict=True)))


_AUTOVACUUM_WORKER = b"postgres: autovacuum worker"


def tree_memory_mb(pid: int) -> Memory:
    """The memory of a process and its descendants, from /proc/<pid>/smaps_rollup."""
    own = shared = autovacuum = 0
    for each in _tree_pids(pid):
        try:
            rollup = Path(f"/proc/{each}/smaps_rollup").read_text().splitlines()[1:]
            worker = Path(f"/proc/{each}/cmdline").read_bytes().startswith(_AUTOVACUUM_WORKER)
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in rollup)
        pss, shmem = int(fields["Pss"].split()[0]), int(fields.get("Pss_Shmem", "0 kB").split()[0])
        shared += shmem
        if worker:
            autovacuum += pss - shmem
        else:
            own += pss - shmem
    return Memory(own / 1024, shared / 1024, autovacuum / 1024)


async def peak_memory_mb(
    procs: dict[str, int], seconds: float, every_s: float
) -> dict[str, Memory]:
    """Each component's highest memory over `seconds`, part by part, sampled every
    `every_s` (off the event loop: reading PostgreSQL's memory maps takes a while). A
    peak, not the value at the window's end: the broker's memory rises and falls with its
    topic's fill (rotation after rotation), a service's with its collector's cycle, so a
    point sample compares random phases."""
    peaks = dict.fromkeys(procs, Memory())
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        for name, pid in procs.items():
            peaks[name] = peaks[name].peak(await asyncio.to_thread(tree_memory_mb, pid))
        left = deadline - asyncio.get_running_loop().time()
        if left <= 0:
            return peaks
        await asyncio.sleep(min(every_s, left))
