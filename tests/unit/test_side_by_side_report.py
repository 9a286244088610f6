"""The side by side's CPU table: the box's CPU per answer and each part's cores, per run."""

from __future__ import annotations

from collections import Counter

from bench.loadgen import LoadResult
from bench.report import LoadRun
from bench.side_by_side_checks import Spent, StoreCheck
from bench.side_by_side_report import Run, render
from bench.stack import MACHINE

WINDOW_S = 20.0


def _run(
    system: str,
    round_no: int,
    bookings: int,
    cpu_s: dict[str, float],
    drain_s: float | None = None,
    caught_up: bool = True,
) -> Run:
    result = LoadResult(32, WINDOW_S, [0.03] * bookings, Counter({201: bookings}),
                        Counter({201: bookings}), 2.0)  # fmt: skip
    usage = LoadRun(0, round_no, result, cpu_s, 0, [])
    ok = StoreCheck(bookings, bookings, 0)
    return Run(round_no, "A", system, result, [ok], 0.0, Spent(usage, bookings, drain_s, caught_up))


def _fleetledger(
    round_no: int, bookings: int, machine_s: float, drain_s: float, caught_up: bool = True
) -> Run:
    parts = {"service": 20.0, "postgres": 12.0, "query": 4.0, "broker": 2.0, MACHINE: machine_s}
    return _run("fleetledger", round_no, bookings, parts, drain_s, caught_up)


def _reference(round_no: int, bookings: int, machine_s: float) -> Run:
    return _run("reference", round_no, bookings, {"service": 28.0, "postgres": 8.0,
                                                  MACHINE: machine_s})  # fmt: skip


def _cpu_table(runs: list[Run]) -> list[str]:
    text, _ = render(runs)
    lines = text.splitlines()
    return lines[next(i for i, line in enumerate(lines) if "box's CPU" in line) :]


def test_each_run_shows_the_boxs_cpu_per_answer_and_each_parts_cores() -> None:
    table = _cpu_table([_fleetledger(1, 20_000, 40.0, drain_s=0.3), _reference(1, 16_000, 40.0)])
    fleetledger, reference = table[2].split(), table[3].split()
    assert fleetledger[:4] == ["1", "A", "fleetledger", "2.00"]  # 40 s of CPU, 20,000 answers
    # service / postgres / load generator / query / broker / the rest of the box (0.0 cores)
    assert fleetledger[4] == "1.00/0.60/0.10/0.20/0.10/0.00" and fleetledger[5] == "0.3"
    assert reference[:4] == ["1", "A", "reference", "2.50"]
    assert reference[4] == "1.40/0.40/0.10/0.10" and len(reference) == 5  # no read side to drain


def test_the_median_line_compares_cpu_per_answer() -> None:
    runs = [_fleetledger(n, 20_000, 40.0 + 4 * n, drain_s=0.0) for n in (1, 2, 3)]
    runs += [_reference(n, 16_000, 40.0) for n in (1, 2, 3)]
    summary = _cpu_table(runs)[-2]  # the last line is the checks' verdict
    assert "Fleetledger 2.40 ms, reference 2.50 ms (0.96 of it)" in summary  # medians of rounds


def test_a_read_side_that_did_not_catch_up_is_flagged_and_fails_the_benchmark() -> None:
    assert render([_fleetledger(1, 20_000, 40.0, drain_s=0.3), _reference(1, 16_000, 40.0)])[1]
    behind = [_fleetledger(1, 20_000, 40.0, drain_s=120.0, caught_up=False),
              _reference(1, 16_000, 40.0)]  # fmt: skip
    assert _cpu_table(behind)[2].endswith("120.0 (NOT caught up)")
    text, ok = render(behind)
    assert not ok and text.splitlines()[-1] == "checks: FAILED"
