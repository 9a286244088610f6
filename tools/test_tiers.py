"""`make test`: the pipeline tier's fault tests alone at normal priority with the tiers
whose few wall-clock bounds are generous beside them at the lowest, then every other test.

The fault tests (marked `pipeline`) bound their waits in wall-clock time sized for a box
of their own (three of them failed once each beside a second pytest worker), yet alone
the pipeline tier left about 0.8 of 2 cores idle: load runs, grace periods, consumer
rejoins. The unit, integration, query, deploy, upgrade and README tiers fill that at
nice 19, so the kernel favours the fault tests (the whole pipeline tier still ran 66 s
longer beside the first three, 642 against 576 s, in the one pair measured on
2026-11-27). Their output is printed when they end. The pipeline tier's other tests
(the simulator, live observability, locations, pricing and the launched payment flow)
run with the rest: in the first phase they only lengthened its end, where the fault
tests ran on after the tiers beside them had finished and one core stood idle.

    python -m tools.test_tiers --alone "PYTEST ARGS" --spread "PYTEST ARGS"

`--alone` runs one pytest process, `--spread` its workers (the Makefile defines both).
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PIPELINE = ["tests/pipeline"]
ALONE = "pipeline"  # the marker of the fault tests, run alone
BESIDE_PIPELINE = [
    "tests/unit", "tests/integration", "tests/query", "tests/deploy", "tests/upgrade",
    "tests/readme",
]  # fmt: skip
LOWEST_PRIORITY = ["nice", "-n", "19"]


def finished(proc: subprocess.Popen[bytes]) -> int:
    """Its exit status once it ends. A Ctrl-C reaches every process of the terminal's group,
    pytest included, so this waits for pytest's own cleanup (databases, brokers, services
    stopped by PID) instead of killing it, as `subprocess.run` would."""
    while True:
        try:
            return proc.wait()
        except KeyboardInterrupt:
            continue


def run_tiers(alone: list[str], spread: list[str]) -> int:
    """The exit status of the first failing phase, else 0.

    Each pytest session gets its own --basetemp under one directory, removed after a
    passing run. A session left to pytest's default resets /tmp/pytest-of-<user> to mode
    0700 as it starts, which locked the other session's PostgreSQL (run as an unprivileged
    user when we are root) out of its data directory in the middle of its initdb."""
    root = Path(tempfile.mkdtemp(prefix="fleetledger-tests-"))
    status = _phases(alone, spread, root)
    if status == 0:
        shutil.rmtree(root, ignore_errors=True)
    else:
        sys.stdout.write(f"\nthe failed run's temporary files: {root}\n")
    return status


def _phases(alone: list[str], spread: list[str], root: Path) -> int:
    def session(command: list[str], name: str, *args: str) -> list[str]:
        return [*command, f"--basetemp={root / name}", *args]

    with tempfile.TemporaryFile("w+") as log:
        beside = subprocess.Popen(
            [*LOWEST_PRIORITY, *session(spread, "beside", *BESIDE_PIPELINE)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        pipeline = finished(subprocess.Popen(session(alone, "pipeline", *PIPELINE, "-m", ALONE)))
        besides = finished(beside)
        log.seek(0)
        sys.stdout.write(f"\n== {' '.join(BESIDE_PIPELINE)} (beside the pipeline tier)\n")
        sys.stdout.write(log.read())
        sys.stdout.flush()  # before the next phase writes to the same terminal
    if pipeline or besides:
        return pipeline or besides
    ignored = [f"--ignore={tier}" for tier in BESIDE_PIPELINE]
    return finished(subprocess.Popen(session(spread, "rest", "-m", f"not {ALONE}", *ignored)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="make test's tiers, in their order")
    parser.add_argument("--alone", required=True, help="pytest in one process")
    parser.add_argument("--spread", required=True, help="pytest over its workers")
    args = parser.parse_args(argv)
    return run_tiers(shlex.split(args.alone), shlex.split(args.spread))


if __name__ == "__main__":
    sys.exit(main())
