"""What a service's server process does once its app is built."""

from __future__ import annotations

import gc


def freeze_startup_objects() -> None:
    """Collect once, then move every object alive now (routes, models, codecs, imported
    modules) out of the collector's reach. They live for good, and otherwise every full
    collection walks them all again (docs/benchmarks.md: the query service's p99 under
    analytics, hot-vehicle refusals on the command side).

    Only for the server's own process: an app built inside a bigger one (a test) would
    collect and freeze all of that process's heap at each start."""
    gc.collect()
    gc.freeze()
