"""The simulator's console: a rich progress bar on stderr and a summary table."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from rich.console import Console

from deploy.simulator.client import Stats
from deploy.simulator.progress import Progress, Report, summary

START = datetime(2031, 3, 3, tzinfo=UTC)


def _stats() -> Stats:
    stats = Stats()
    for kind, status, times in (("book", 201, 40), ("book", 409, 3), ("place_hold", 201, 9)):
        for _ in range(times):
            stats.count(kind, status)
    return stats


def _console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=120, force_terminal=False, color_system=None), out


def test_the_summary_tables_commands_by_type_and_status() -> None:
    report = Report(START, START + timedelta(days=2), 96, 96, 3.5, _stats(), vehicles=5)
    console, out = _console()
    console.print(summary(report))
    text = out.getvalue()
    assert "requests: 52  2xx 49  4xx 3  5xx 0" in text and "fleet: 5 vehicles" in text
    rows = {line.split("│")[1].strip(): line for line in text.splitlines() if "│" in line}
    assert "43" in rows["book"] and "201: 40  409: 3" in rows["book"]
    assert "201: 9" in rows["place_hold"]


def test_the_progress_bar_shows_the_simulated_time_and_conflicts() -> None:
    console, out = _console()
    with Progress(total=10, enabled=True, console=console) as progress:
        progress.update(5, START, _stats(), force=True)
    text = out.getvalue()
    assert "50%" in text and "sim 2031-03-03 00:00" in text and "52 commands  3 x 409" in text


def test_a_disabled_progress_bar_prints_nothing() -> None:
    console, out = _console()
    with Progress(total=10, enabled=False, console=console) as progress:
        progress.update(10, START, _stats(), force=True)
    assert out.getvalue() == ""
