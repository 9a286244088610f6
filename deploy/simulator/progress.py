"""Console output of the simulator: a rich progress bar (stderr) and the summary table."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rich import progress as bar
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from deploy.simulator.client import Stats
from deploy.simulator.world import QuoteSeen

_COLUMNS = (
    bar.BarColumn(),
    bar.TaskProgressColumn(),
    bar.TextColumn(
        "sim {task.fields[now]}  {task.fields[sent]} commands  {task.fields[conflicts]} x 409"
        "  {task.fields[quotes]} quotes, {task.fields[walked]} walked away"
    ),
    bar.TimeElapsedColumn(),
)


class Progress:
    """Steps done of the plan, the simulated time, commands sent and 409s, on stderr
    (a context manager: drawn inside the `with` block)."""

    def __init__(self, total: int, enabled: bool, console: Console | None = None) -> None:
        self._bar = bar.Progress(
            *_COLUMNS, console=console or Console(stderr=True), disable=not enabled
        )
        self._task = self._bar.add_task(
            "simulate", total=max(total, 1), now="", sent=0, conflicts=0, quotes=0, walked=0
        )
        self._shown = 0.0

    def __enter__(self) -> Progress:
        self._bar.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._bar.stop()  # also on errors: rich hides the cursor while it draws

    def update(
        self,
        done: int,
        now: datetime,
        stats: Stats,
        force: bool = False,
        outcomes: Mapping[str, int] | None = None,
    ) -> None:
        if not force and time.monotonic() - self._shown < 0.2:
            return
        self._shown = time.monotonic()
        self._bar.update(
            self._task,
            completed=done,
            now=f"{now:%Y-%m-%d %H:%M}",
            sent=sum(stats.sent.values()),
            conflicts=stats.statuses[409],
            quotes=(outcomes or {}).get("quotes_asked", 0),
            walked=(outcomes or {}).get("quotes_walked_away", 0),
        )


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
    quotes: list[QuoteSeen] = field(default_factory=list)


def summary(report: Report) -> RenderableType:
    """The run at a glance, then a table of commands by type and status."""
    stats = report.stats
    ok = sum(n for s, n in stats.statuses.items() if 200 <= s < 300)
    client = sum(n for s, n in stats.statuses.items() if 400 <= s < 500)
    server = sum(n for s, n in stats.statuses.items() if s >= 500)
    early = ", stopped at --max-seconds" if report.stopped_early else ""
    head = Text(
        f"simulated {report.start:%Y-%m-%dT%H:%MZ} → {report.reached:%Y-%m-%dT%H:%MZ} "
        f"({report.steps}/{report.total_steps} steps{early})\n"
        f"fleet: {report.vehicles} vehicles, {report.customers} customers\n"
        f"requests: {sum(stats.sent.values())}  2xx {ok}  4xx {client}  5xx {server}  "
        f"(retried {stats.retries}, transport errors {stats.transport_errors})\n"
        f"events in the fleet's streams (as of the last answers): {report.events}\n"
        f"elapsed: {report.elapsed_s:.1f} s"
    )
    parts: list[RenderableType] = [head, _commands_table(stats)]
    if report.quotes:
        parts.append(_price_table(report.quotes))
    if report.outcomes:
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(report.outcomes.items()))
        parts.append(Text(f"outcomes: {outcomes}"))
    return Group(*parts)


def price_response(quotes: list[QuoteSeen]) -> dict[str, dict[str, float]]:
    """Quotes by the demand multiplier they carried: how many, how many were accepted,
    and their mean price relative to the list price."""
    groups: dict[float, list[QuoteSeen]] = {}
    for quote in quotes:
        groups.setdefault(quote.demand_multiplier, []).append(quote)
    return {
        f"{multiplier:g}": {
            "quotes": len(group),
            "accepted": sum(q.accepted for q in group),
            "mean_ratio": round(sum(q.ratio for q in group) / len(group), 3),
        }
        for multiplier, group in sorted(groups.items())
    }


def _price_table(quotes: list[QuoteSeen]) -> Table:
    table = Table(title="quotes by demand multiplier", title_justify="left")
    for name in ("demand", "quotes", "accepted", "price / list price"):
        table.add_column(name, justify="right")
    for multiplier, row in price_response(quotes).items():
        share = f"{row['accepted']:.0f} ({row['accepted'] / row['quotes']:.0%})"
        table.add_row(f"x{multiplier}", f"{row['quotes']:.0f}", share, f"{row['mean_ratio']:.2f}")
    return table


def _commands_table(stats: Stats) -> Table:
    table = Table(title="commands by type", title_justify="left")
    table.add_column("command")
    table.add_column("sent", justify="right")
    table.add_column("status: count")
    for kind in sorted(stats.sent):
        by_status = sorted((s, n) for (k, s), n in stats.by_kind.items() if k == kind)
        table.add_row(kind, str(stats.sent[kind]), "  ".join(f"{s}: {n}" for s, n in by_status))
    return table


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
        "quotes_by_demand": price_response(report.quotes),
    }
