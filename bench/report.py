"""The printed report: machine, setup, one line per run, the medians and the targets."""

from __future__ import annotations

import os
import platform
import subprocess
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median

import orjson
import psutil

from bench.loadgen import LoadResult, percentile
from bench.scenarios import RaceCheck
from bench.stack import MACHINE
from bench.stream_length import StreamLengthResult
from deploy.services import ROOT

TARGET_A = "target: >= 1,000 bookings/s at p99 <= 60 ms"
TARGET_B = "target: >= 800 decisions/s at p99 <= 100 ms, no 5xx, no overlap"
TARGET_C = "target: p50 ratio 10k/10 <= 1.2"
TARGET_D = "target: p50 ratio 500/10 <= 1.2"


@dataclass
class LoadRun:
    """One measured window of scenario (a) or (b)."""

    workers: int
    run: int
    result: LoadResult
    cpu_s: dict[str, float]
    vehicles: int
    connections: list[int]
    check: RaceCheck | None = None

    def spread(self) -> str:
        """Client connections per service worker at the start of the window, e.g. 20+12."""
        return "+".join(str(n) for n in self.connections) or "?"

    def cores(self) -> str:
        """Average cores busy in the window: service, postgres, client, (with the pipeline
        on: query service, broker,) everything else."""
        w = self.result.window_s
        svc, pg = self.cpu_s.get("service", 0.0), self.cpu_s.get("postgres", 0.0)
        client = self.result.client_cpu_s
        extra = [self.cpu_s[name] for name, _ in PIPELINE_CORES if name in self.cpu_s]
        other = max(0.0, self.cpu_s.get(MACHINE, 0.0) - svc - pg - client - sum(extra))
        return "/".join(f"{x / w:.2f}" for x in (svc, pg, client, *extra, other))


# CPU meter keys of the read pipeline's processes and their short names in `cores`.
PIPELINE_CORES = (("query", "qry"), ("broker", "brk"))


def cores_label(runs: Sequence[LoadRun]) -> str:
    """The `cores` column's header for these runs."""
    extra = [short for name, short in PIPELINE_CORES if runs and name in runs[0].cpu_s]
    return "cores " + "/".join(["svc", "pg", "cli", *extra, "other"])


@dataclass
class Results:
    a: list[LoadRun] = field(default_factory=list)
    b: list[LoadRun] = field(default_factory=list)
    c: list[StreamLengthResult] = field(default_factory=list)
    d: list[StreamLengthResult] = field(default_factory=list)  # calendar length


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_lines() -> list[str]:
    nproc = len(os.sched_getaffinity(0))
    memory_gib = psutil.virtual_memory().total / 2**30
    return [
        f"machine:  nproc {nproc}, CPU {cpu_model()}, {memory_gib:.0f} GiB RAM, "
        f"Linux {platform.release()}",
        f"python:   {platform.python_implementation()} {platform.python_version()}",
    ]


def code_version(root: Path = ROOT) -> str:
    """The commit measured (of checkout `root`), and whether its working tree differed."""
    try:
        head = _git(root, "rev-parse", "--short", "HEAD").strip()
        dirty = _git(root, "status", "--porcelain", "--untracked-files=no").strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (no git)"
    return f"git {head}" + (" + uncommitted changes" if dirty else "")


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout


def log_summary(log_paths: list[Path]) -> list[str]:
    """Per service log: the structured events by level and name (uvicorn's own lines aside)."""
    lines = []
    for path in log_paths:
        events: Counter[str] = Counter()
        plain = 0
        for line in path.read_text(errors="replace").splitlines() if path.exists() else []:
            try:
                record = orjson.loads(line)
                events[f"{record.get('level')} {record.get('event')}"] += 1
            except orjson.JSONDecodeError:
                plain += 1
        found = ", ".join(f"{n} x {name}" for name, n in events.most_common()) or "no events"
        lines.append(f"  {path.relative_to(ROOT)}: {found} (+{plain} uvicorn lines)")
    return lines


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    """Right-aligned columns, first column left-aligned."""
    cells = [[str(h) for h in headers], *[[_fmt(v) for v in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        first = row[0].ljust(widths[0])
        rest = "  ".join(v.rjust(widths[i + 1]) for i, v in enumerate(row[1:]))
        lines.append(f"  {first}  {rest}")
        if n == 0:
            lines.append("  " + "-" * (sum(widths) + 2 * (len(widths) - 1)))
    return lines


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _med(runs: Sequence[LoadRun], get: Callable[[LoadResult], float]) -> float:
    return median(get(r.result) for r in runs)


def _by_workers(runs: list[LoadRun]) -> dict[int, list[LoadRun]]:
    grouped: dict[int, list[LoadRun]] = {}
    for run in runs:
        grouped.setdefault(run.workers, []).append(run)
    return grouped


def _verdict(ok: bool) -> str:
    return "MEETS target" if ok else "MISSES target"


def _non_201(statuses: Counter[int]) -> int:
    return sum(n for status, n in statuses.items() if status != 201)


def section_a(runs: list[LoadRun]) -> tuple[list[str], list[str]]:
    """Lines of table (a) and the summary lines (medians against the target)."""
    rows: list[list[object]] = []
    summary = []
    for workers, group in sorted(_by_workers(runs).items()):
        for r in group:
            x = r.result
            failed = f"{_non_201(x.statuses)}/{_non_201(x.all_statuses)}"
            per_vehicle = x.all_statuses[201] / r.vehicles
            rows.append([f"w{workers} run {r.run}", x.count, x.rate, x.percentile_ms(50),
                         x.percentile_ms(99), failed, per_vehicle, r.spread(),
                         r.cores()])  # fmt: skip
        rate, p99 = _med(group, lambda x: x.rate), _med(group, lambda x: x.percentile_ms(99))
        p50 = _med(group, lambda x: x.percentile_ms(50))
        failed_all = sum(_non_201(r.result.all_statuses) for r in group)
        rows.append([f"w{workers} median", "", rate, p50, p99, f"all {failed_all}", "", "", ""])
        summary.append(
            f"(a) workers={workers}: {rate:,.0f} bookings/s, p99 {p99:.1f} ms -> "
            f"{_verdict(rate >= 1000 and p99 <= 60)}"
        )
    head = ["(a)", "bookings", "per s", "p50 ms", "p99 ms", "non-201 win/all", "booked/vehicle",
            "conns", cores_label(runs)]  # fmt: skip
    return table(head, rows), summary


def _b_row(r: LoadRun) -> list[object]:
    x, check = r.result, r.check
    assert check is not None
    fivexx = f"{_fivexx(x.statuses)}/{_fivexx(x.all_statuses)}"
    live = f"{check.confirmed}={x.all_statuses[201]}"
    return [f"w{r.workers} run {r.run}", x.count, x.rate, x.percentile_ms(50),
            x.percentile_ms(99), x.statuses[201], x.statuses[409], fivexx, _others(x), live,
            check.overlapping_pairs, check.version_conflicts, r.spread(), r.cores()]  # fmt: skip


def section_b(runs: list[LoadRun]) -> tuple[list[str], list[str]]:
    """Lines of table (b) and the summary lines; correctness counts are summed over runs."""
    rows, summary = [], []
    for workers, group in sorted(_by_workers(runs).items()):
        rows += [_b_row(r) for r in group]
        rate, p99 = _med(group, lambda x: x.rate), _med(group, lambda x: x.percentile_ms(99))
        p50 = _med(group, lambda x: x.percentile_ms(50))
        errors = sum(_fivexx(r.result.all_statuses) for r in group)
        overlaps = sum(r.check.overlapping_pairs for r in group if r.check)
        agree = all(r.check and r.check.confirmed == r.result.all_statuses[201] for r in group)
        live = "ok" if agree else "MISMATCH"
        rows.append([f"w{workers} median", "", rate, p50, p99, "", "", f"all {errors}", "",
                     live, overlaps, "", "", ""])  # fmt: skip
        ok = rate >= 800 and p99 <= 100 and errors == 0 and overlaps == 0 and agree
        summary.append(
            f"(b) workers={workers}: {rate:,.0f} decisions/s, p99 {p99:.1f} ms, "
            f"{errors} x 5xx, {overlaps} overlapping pairs -> {_verdict(ok)}"
        )
    head = ["(b)", "decisions", "per s", "p50 ms", "p99 ms", "201", "409", "5xx win/all",
            "other", "live=201s", "overlaps", "retries", "conns",
            cores_label(runs)]  # fmt: skip
    return table(head, rows), summary


def _fivexx(statuses: Counter[int]) -> int:
    return sum(n for status, n in statuses.items() if status >= 500)


def _others(result: LoadResult) -> int:
    return result.count_where(lambda s: s not in (201, 409) and s < 500)


def section_c(runs: list[StreamLengthResult]) -> tuple[list[str], list[str]]:
    """Lines of table (c) and the summary line (median ratio of the p50s)."""
    return section_length(runs, "(c)", "10k/10", "ev")


def section_d(runs: list[StreamLengthResult]) -> tuple[list[str], list[str]]:
    """Lines of table (d), calendar length, and its summary line."""
    return section_length(runs, "(d)", "500/10 future bookings", "bk")


def section_length(
    runs: list[StreamLengthResult], name: str, what: str, unit: str
) -> tuple[list[str], list[str]]:
    """A long-against-short latency table and its summary line (median ratio of p50s)."""
    rows: list[list[object]] = []
    for n, r in enumerate(runs, 1):
        long, short = r.long_ms, r.short_ms
        rows.append([f"run {n}", r.long_events, r.short_events, len(long), percentile(long, 50),
                     percentile(short, 50), r.ratio, percentile(long, 99), percentile(short, 99),
                     r.seed_s])  # fmt: skip
    ratio = median(r.ratio for r in runs)
    p50_long = median(percentile(r.long_ms, 50) for r in runs)
    p50_short = median(percentile(r.short_ms, 50) for r in runs)
    rows.append(["median", "", "", "", p50_long, p50_short, ratio, "", "", ""])
    head = [name, f"long {unit}", f"short {unit}", "each", "p50 long", "p50 short", "ratio",
            "p99 long", "p99 short", "seed s"]  # fmt: skip
    summary = [f"{name} p50 ratio {what} = {ratio:.2f} -> {_verdict(ratio <= 1.2)}"]
    return table(head, rows), summary
