"""Python's cyclic garbage collector in our long-running processes.

Nearly everything a request or a replayed event allocates is freed by reference
counting; the collector only has cycles to find. At its default (a young collection
every 700 net allocations) it ran every few requests or events and walked whatever was
alive in between: in-flight requests, pages queued for the database. Collecting every
100,000 allocations keeps memory bounded and cost the rebuild a third less time and the
command service's hot-vehicle decisions about a tenth (docs/benchmarks.md, "The cyclic
collector").
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_RARELY = (100_000, 50, 100)  # young, middle and old generations' thresholds


def for_a_server() -> None:
    """Collect once, then move every object alive now (routes, models, codecs, imported
    modules) out of the collector's reach, and collect rarely from now on. Startup
    objects live for good, and otherwise every full collection walks them all again.

    Only for the server's own process: an app built inside a bigger one (a test) would
    collect and freeze all of that process's heap at each start."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*_RARELY)


@contextmanager
def rarely() -> Iterator[None]:
    """Collect rarely inside the block (a batch job), then as before."""
    before = gc.get_threshold()
    gc.set_threshold(*_RARELY)
    try:
        yield
    finally:
        gc.set_threshold(*before)
