"""The simulator's console: a rich progress bar on stderr and a summary table."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from rich.console import Console

from deploy.simulator.client import Stats
from deploy.simulator.progress import Progress, Report, summary, summary_json
from deploy.simulator.world import QuoteSeen

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
        outcomes = {"quotes_asked": 30, "quotes_walked_away": 4}
        progress.update(5, START, _stats(), force=True, outcomes=outcomes)
    text = out.getvalue()
    assert "50%" in text and "sim 2031-03-03 00:00" in text and "52 commands  3 x 409" in text
    assert "30 quotes, 4 walked away" in text


def test_a_disabled_progress_bar_prints_nothing() -> None:
    console, out = _console()
    with Progress(total=10, enabled=False, console=console) as progress:
        progress.update(10, START, _stats(), force=True)
    assert out.getvalue() == ""


def _quote(seq: int, multiplier: float, price: int, accepted: bool) -> QuoteSeen:
    return QuoteSeen(seq, f"q{seq}", 0, price, 1000, multiplier, 0.5, None, accepted)


def test_the_summary_shows_how_quotes_fared_by_demand_multiplier() -> None:
    quotes = [_quote(1, 0.9, 900, True), _quote(2, 0.9, 900, True)]
    quotes += [_quote(3, 1.5, 1500, True), _quote(4, 1.5, 1600, False), _quote(5, 1.5, 1700, False)]
    report = Report(START, START, 1, 1, 1.0, _stats(), quotes=quotes)
    console, out = _console()
    console.print(summary(report))
    rows = {line.split("│")[1].strip(): line for line in out.getvalue().splitlines() if "│" in line}
    assert [c.strip() for c in rows["x0.9"].split("│")[2:5]] == ["2", "2 (100%)", "0.90"]
    assert [c.strip() for c in rows["x1.5"].split("│")[2:5]] == ["3", "1 (33%)", "1.60"]
    assert summary_json(report)["quotes_by_demand"]["1.5"] == {
        "quotes": 3,
        "accepted": 1,
        "mean_ratio": 1.6,
    }
