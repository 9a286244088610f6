"""What bench/side_by_side.py prints: each round's ratios, the medians (issue 10's
figures), and where the box's CPU went in each run."""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median

from bench.loadgen import LoadResult
from bench.side_by_side_checks import Spent, StoreCheck


@dataclass
class Run:
    round: int
    scenario: str
    system: str
    result: LoadResult
    checks: list[StoreCheck]
    steal: float
    spent: Spent


def _pair(runs: list[Run], f: Run) -> Run:
    """The reference's run matching Fleetledger's run `f`."""
    return next(r for r in runs if (r.system, r.round, r.scenario) ==
                ("reference", f.round, f.scenario))  # fmt: skip


def _round_line(f: Run, ref: Run) -> str:
    ratio = f.result.rate / ref.result.rate if ref.result.rate else float("inf")
    p99 = (f.result.percentile_ms(99), ref.result.percentile_ms(99))
    checks = "; ".join([*(f"fl {c}" for c in f.checks), *(f"ref {c}" for c in ref.checks)])
    return (
        f"{f.round:>5} {f.scenario:>4} {f.result.rate:>14,.0f} {ref.result.rate:>7,.0f}"
        f" {ratio:>7.2f} {p99[0]:>11.1f} {p99[1]:>11.1f} {max(f.steal, ref.steal):>6.1%}"
        f"  {checks}"
    )


def _median_lines(runs: list[Run]) -> list[str]:
    """Per scenario: the median ratio and median p99s; then Fleetledger's drift in (A)."""
    lines = []
    for name in sorted({r.scenario for r in runs}):
        mine = [r for r in runs if r.system == "fleetledger" and r.scenario == name]
        ratio = median(f.result.rate / max(_pair(runs, f).result.rate, 1e-9) for f in mine)
        p99 = median(f.result.percentile_ms(99) for f in mine)
        ref_p99 = median(_pair(runs, f).result.percentile_ms(99) for f in mine)
        lines.append(f"  {name}: ratio {ratio:.2f}; p99 {p99:.0f} ms against"
                     f" {ref_p99:.0f} ms ({p99 / max(ref_p99, 1e-9):.2f} of it)")  # fmt: skip
    a = [r.result.rate for r in runs if r.system == "fleetledger" and r.scenario == "A"]
    if len(a) >= 2:
        lines.append(f"  drift, Fleetledger (A) last round ÷ first: {a[-1] / a[0]:.2f}")
    return lines


def render(runs: list[Run]) -> tuple[str, bool]:
    """Per-round lines with the ratio, then the medians (the figures of issue 10)."""
    lines = ["round scen  fleetledger/s   ref/s   ratio   p99 fl ms  p99 ref ms  steal  checks"]
    lines += [_round_line(f, _pair(runs, f)) for f in runs if f.system == "fleetledger"]
    lines.append("medians over rounds (Fleetledger ÷ reference; A and B count 201+409 answers,"
                 " C counts reads):")  # fmt: skip
    lines += _median_lines(runs)
    lines += cpu_lines(runs)
    # A read side still behind after the drain's timeout would spill into the next run.
    ok = all(c.ok for r in runs for c in r.checks) and all(r.spent.caught_up for r in runs)
    lines.append("checks: " + ("all passed" if ok else "FAILED"))
    return "\n".join(lines) + "\n", ok


def cpu_lines(runs: list[Run]) -> list[str]:
    """A line per run (round, scenario, system), then per scenario the median box CPU per
    answer of each side and their ratio."""
    lines = [
        "where the box's CPU went, in each run's window (cores: average busy cores; drain:"
        " seconds until Fleetledger's query side caught up after the window)",
        "round scen system       box ms/answer  cores svc/pg/cli/[qry/brk/]other  drain s",
    ]
    for run in runs:
        spent = run.spent
        drain = "" if spent.drain_s is None else f"{spent.drain_s:.1f}"
        if not spent.caught_up:
            drain += " (NOT caught up)"
        per_answer, cores = spent.ms_per_answer, spent.usage.cores()
        lines.append(f"{run.round:>5} {run.scenario:>4} {run.system:<12}"
                     f" {per_answer:>13.2f}  {cores:<34} {drain}")  # fmt: skip
    for scenario in sorted({r.scenario for r in runs}):
        mine, theirs = (
            median(
                r.spent.ms_per_answer for r in runs if (r.scenario, r.system) == (scenario, side)
            )
            for side in ("fleetledger", "reference")
        )
        lines.append(f"  {scenario}: box CPU per answer, median: Fleetledger {mine:.2f} ms,"
                     f" reference {theirs:.2f} ms ({mine / theirs:.2f} of it)")  # fmt: skip
    return lines
