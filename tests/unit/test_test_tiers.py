"""`make test`'s order: the pipeline tier's fault tests alone, the tiers with generous
bounds beside them at the lowest priority, then every other test; a failing first phase
stops the run, and a Ctrl-C lets the running tiers clean up."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tools.test_tiers import ALONE, BESIDE_PIPELINE, PIPELINE, run_tiers

# Stands in for pytest: records its arguments, niceness and time span, fails on request.
# Each of the first two waits (60 s at most) until the other has started: had they run
# one after the other, the first would wait out its bound and record that it met nobody.
RECORDER = """
import json, os, sys, time
from pathlib import Path
started, me = time.monotonic(), sys.argv[1]
other = {"alone": "spread", "spread": "alone"}[me]
Path(os.environ["TIERS_LOG"] + "." + me).touch()
met = lambda: Path(os.environ["TIERS_LOG"] + "." + other).exists()
while not met() and time.monotonic() < started + 60:
    time.sleep(0.05)
with open(os.environ["TIERS_LOG"], "a") as log:
    tiers = [a for a in sys.argv[2:] if not a.startswith("--basetemp=")]
    basetemp = [a for a in sys.argv[2:] if a.startswith("--basetemp=")]
    log.write(json.dumps({"as": me, "tiers": tiers, "basetemp": basetemp, "met": met(),
                          "nice": os.nice(0), "started": started,
                          "ended": time.monotonic()}) + "\\n")
sys.exit(3 if os.environ.get("TIERS_FAIL") in sys.argv[2:] else 0)
"""


def runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail: str = "") -> tuple[int, list]:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the runner's files go
    script = tmp_path / "recorder.py"
    script.write_text(RECORDER)
    monkeypatch.setenv("TIERS_LOG", str(tmp_path / "log"))
    monkeypatch.setenv("TIERS_FAIL", fail)
    status = run_tiers(
        [sys.executable, str(script), "alone"], [sys.executable, str(script), "spread"]
    )
    lines = (tmp_path / "log").read_text().splitlines()
    return status, sorted((json.loads(line) for line in lines), key=lambda r: r["started"])


def test_the_pipeline_tier_runs_alone_with_the_quiet_tiers_beside_it_at_the_lowest_priority(
    tmp_path, monkeypatch
):
    status, ran = runs(tmp_path, monkeypatch)
    (pipeline,) = [r for r in ran if r["as"] == "alone"]
    beside, rest = [r for r in ran if r["as"] == "spread"]
    assert status == 0
    alone = [*PIPELINE, "-m", ALONE]
    assert (pipeline["as"], pipeline["tiers"], pipeline["nice"]) == ("alone", alone, os.nice(0))
    assert (beside["as"], beside["tiers"], beside["nice"]) == ("spread", BESIDE_PIPELINE, 19)
    assert pipeline["met"] and beside["met"]  # at the same time, not one after the other
    assert rest["as"] == "spread" and rest["nice"] == os.nice(0)
    # the pipeline tier's tests not marked for running alone come last, with the rest
    assert rest["tiers"] == ["-m", f"not {ALONE}", *(f"--ignore={t}" for t in BESIDE_PIPELINE)]
    assert rest["started"] >= max(beside["ended"], pipeline["ended"])
    # each session its own --basetemp, never pytest's shared default; removed after a pass
    basetemps = [r["basetemp"] for r in (pipeline, beside, rest)]
    assert all(len(b) == 1 for b in basetemps) and len({b[0] for b in basetemps}) == 3
    assert not list(tmp_path.glob("fleetledger-tests-*"))


@pytest.mark.parametrize("failing", [PIPELINE[0], BESIDE_PIPELINE[-1]])
def test_a_failure_in_the_first_phase_is_the_status_and_the_other_tiers_do_not_run(
    tmp_path, monkeypatch, failing
):
    status, ran = runs(tmp_path, monkeypatch, fail=failing)
    assert status == 3
    assert len(ran) == 2  # the pipeline tier and the tiers beside it, nothing after


# Stands in for a pytest that runs until interrupted, then cleans up for half a second.
INTERRUPTIBLE = """
import os, signal, sys, time
from pathlib import Path
log = Path(os.environ["TIERS_LOG"])

def cleanup(*_):
    time.sleep(0.5)
    with log.open("a") as out:
        out.write(f"cleaned {sys.argv[1]}\\n")
    sys.exit(2)

signal.signal(signal.SIGINT, cleanup)
with log.open("a") as out:
    out.write(f"started {sys.argv[1]}\\n")
time.sleep(60)
"""


def test_a_ctrl_c_lets_both_running_tiers_clean_up_and_starts_nothing_more(tmp_path):
    script, log = tmp_path / "interruptible.py", tmp_path / "log"
    script.write_text(INTERRUPTIBLE)
    tiers = ["--alone", f"{sys.executable} {script} alone"]
    tiers += ["--spread", f"{sys.executable} {script} spread"]
    runner = subprocess.Popen(
        [sys.executable, "-m", "tools.test_tiers", *tiers],
        env={**os.environ, "TIERS_LOG": str(log), "TMPDIR": str(tmp_path)},
        stdout=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    deadline = time.monotonic() + 60
    while not log.exists() or log.read_text().count("started") < 2:
        assert time.monotonic() < deadline, "the tiers never started"
        time.sleep(0.05)
    os.killpg(runner.pid, signal.SIGINT)  # what Ctrl-C does
    assert runner.wait(timeout=60) != 0
    lines = log.read_text().splitlines()
    assert sorted(lines) == ["cleaned alone", "cleaned spread", "started alone", "started spread"]
