"""The launcher's supervisor on real child processes: restart with backoff, say why."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from deploy import supervisor as sup
from deploy.supervisor import Component, Supervisor, backoff_delay, exit_cause


def sleeper() -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True
    )


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.kill()
    proc.wait()


def wait_for(condition, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_names_the_signal_or_the_exit_code_that_ended_a_child():
    assert exit_cause(-signal.SIGKILL) == "signal SIGKILL"
    assert exit_cause(3) == "exit code 3"


def test_backs_off_exponentially_up_to_a_ceiling():
    delays = [backoff_delay(n) for n in range(10)]
    assert delays[:4] == [0.5, 1.0, 2.0, 4.0]
    assert max(delays) == sup.MAX_DELAY_S == delays[-1]


def test_restarts_a_killed_child_and_leaves_the_others_alone():
    supervisor = Supervisor()
    try:
        first = supervisor.add(Component("first", sleeper, stop))
        second = supervisor.add(Component("second", sleeper, stop))
        killed, untouched = first.proc, second.proc
        assert killed is not None
        os.kill(killed.pid, signal.SIGKILL)
        wait_for(lambda: first.restarts == 1)
        assert first.proc is not killed and first.proc.poll() is None
        assert second.proc is untouched and untouched.poll() is None
    finally:
        supervisor.stop()
    assert all(c.proc is not None and c.proc.poll() is not None for c in supervisor.components)


def test_gives_up_when_a_child_cannot_be_started_again(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(sup, "FIRST_DELAY_S", 0.01)
    starts = iter([sleeper()])

    def start() -> subprocess.Popen[bytes]:
        proc = next(starts, None)
        if proc is None:
            raise RuntimeError("cannot start")
        return proc

    supervisor = Supervisor()
    try:
        doomed = supervisor.add(Component("doomed", start, stop))
        assert doomed.proc is not None
        os.kill(doomed.proc.pid, signal.SIGKILL)
        assert supervisor.gave_up.wait(10)
        assert supervisor.serve(threading.Event()) == 1
    finally:
        supervisor.stop()


def test_stopping_during_a_restart_leaves_no_child_behind(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(sup, "FIRST_DELAY_S", 0.01)
    supervisor = Supervisor()
    late: list[subprocess.Popen[bytes]] = []
    restarting = threading.Event()

    def start() -> subprocess.Popen[bytes]:
        proc = sleeper()
        if supervisor.components:  # a restart: it is ready only once we are stopping
            late.append(proc)
            restarting.set()
            supervisor.stopping.wait(10)
        return proc

    component = supervisor.add(Component("slow", start, stop))
    assert component.proc is not None
    os.kill(component.proc.pid, signal.SIGKILL)
    assert restarting.wait(10)
    supervisor.stop()
    assert late and late[0].poll() is not None


def test_kills_and_restarts_a_child_that_keeps_failing_its_liveness_probe(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setattr(sup, "PROBE_INTERVAL_S", 0.05)
    monkeypatch.setattr(sup, "PROBE_FAILURES", 3)
    hung: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        proc = sleeper()
        if not hung:  # only the first one stops answering
            hung.append(proc)
        return proc

    supervisor = Supervisor()
    try:
        component = Component("hung", start, stop, alive=lambda: component.proc is not hung[0])
        supervisor.add(component)
        wait_for(lambda: component.restarts == 1)
        assert hung[0].returncode == -signal.SIGKILL
        time.sleep(0.5)
        assert component.restarts == 1 and component.proc.poll() is None
    finally:
        supervisor.stop()
