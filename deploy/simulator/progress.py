"""Console output of the simulator: a carriage-return progress bar and the summary."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO

from deploy.simulator.client import Stats

WIDTH = 30


class Progress:
    """`[#####.....]  45%  sim 2030-01-09 14:15  1234 commands  12 x 409` on stderr."""

    def __init__(self, total: int, enabled: bool, stream: TextIO = sys.stderr) -> None:
        self._total, self._enabled, self._stream = max(total, 1), enabled, stream
        self._shown = 0.0

    def update(self, done: int, now: datetime, stats: Stats, force: bool = False) -> None:
        if not self._enabled or (not force and time.monotonic() - self._shown < 0.2):
            return
        self._shown = time.monotonic()
        share = min(done / self._total, 1.0)
        bar = "#" * int(share * WIDTH) + "." * (WIDTH - int(share * WIDTH))
        self._stream.write(
            f"\r[{bar}] {share:4.0%}  sim {now:%Y-%m-%d %H:%M}  "
            f"{sum(stats.sent.values())} commands  {stats.statuses[409]} x 409 "
        )
        self._stream.flush()

    def close(self) -> None:
        if self._enabled:
            self._stream.write("\n")
            self._stream.flush()


@dataclass
class Report:
    """What a run did."""

    start: datetime
    reached: datetime
    steps: int
    total_steps: int
    elapsed_s: float
    stats: Stats
    outcomes: dict[str, int] = field(default_factory=dict)
    events: int = 0
    vehicles: int = 0
    customers: int = 0
    stopped_early: bool = False
    command_log: list[tuple[Any, ...]] = field(default_factory=list)


def summary(report: Report) -> str:
    """Human-readable summary: commands by type and status, outcomes, events, time."""
    stats = report.stats
    ok = sum(n for s, n in stats.statuses.items() if 200 <= s < 300)
    client = sum(n for s, n in stats.statuses.items() if 400 <= s < 500)
    server = sum(n for s, n in stats.statuses.items() if s >= 500)
    lines = [
        f"simulated {report.start:%Y-%m-%dT%H:%MZ} → {report.reached:%Y-%m-%dT%H:%MZ} "
        f"({report.steps}/{report.total_steps} steps"
        f"{', stopped at --max-seconds' if report.stopped_early else ''})",
        f"fleet: {report.vehicles} vehicles, {report.customers} customers",
        f"requests: {sum(stats.sent.values())}  2xx {ok}  4xx {client}  5xx {server}  "
        f"(retried {stats.retries}, transport errors {stats.transport_errors})",
        f"events in the fleet's streams (as of the last answers): {report.events}",
        f"elapsed: {report.elapsed_s:.1f} s",
        "commands by type (status: count):",
    ]
    for kind in sorted(stats.sent):
        by_status = sorted((s, n) for (k, s), n in stats.by_kind.items() if k == kind)
        detail = "  ".join(f"{s}: {n}" for s, n in by_status)
        lines.append(f"  {kind:<22} {stats.sent[kind]:>7}   {detail}")
    if report.outcomes:
        lines.append(
            "outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(report.outcomes.items()))
        )
    return "\n".join(lines) + "\n"


def summary_json(report: Report) -> dict[str, Any]:
    """The summary as JSON-ready data (for `make demo` and scripts)."""
    return {
        "start": report.start.isoformat(),
        "reached": report.reached.isoformat(),
        "steps": report.steps,
        "total_steps": report.total_steps,
        "stopped_early": report.stopped_early,
        "elapsed_s": round(report.elapsed_s, 3),
        "vehicles": report.vehicles,
        "customers": report.customers,
        "events": report.events,
        "sent": dict(report.stats.sent),
        "statuses": {str(k): v for k, v in report.stats.statuses.items()},
        "outcomes": report.outcomes,
    }
