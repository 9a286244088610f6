"""Calls side by side in processes of their own: results in order, and the first failure
raised at once, the other processes stopped (shared.kit.processes; the rebuild's replay)."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest

from shared.kit.processes import ProcessDiedError, RemoteTraceback, each_in_a_process

SLEEPER_S = 120.0  # far longer than any wait below: had it been awaited, the test fails


def square(n: int) -> tuple[int, int]:
    return n * n, os.getpid()


def sleep_or_fail(plan: tuple[str, str]) -> None:
    """("sleep", pid file): record this process, then sleep; ("fail", _): fail at once."""
    what, where = plan
    if what == "fail":
        raise ValueError("share 2 is corrupt")
    Path(where).write_text(str(os.getpid()))
    time.sleep(SLEEPER_S)


def die(_: object) -> None:
    os._exit(3)  # as a SIGKILL or the OOM killer would: no answer, no cleanup


async def test_each_call_runs_in_its_own_process_and_results_keep_their_order() -> None:
    results = await each_in_a_process(square, [3, 4, 5])
    assert [value for value, _ in results] == [9, 16, 25]
    pids = {pid for _, pid in results}
    assert len(pids) == 3 and os.getpid() not in pids


async def test_the_first_failure_is_raised_at_once_and_stops_the_others(tmp_path: Path) -> None:
    pid_file = tmp_path / "sleeper.pid"
    started = time.monotonic()
    with pytest.raises(ValueError, match="share 2 is corrupt") as raised:
        await each_in_a_process(sleep_or_fail, [("sleep", str(pid_file)), ("fail", "")])
    assert time.monotonic() - started < SLEEPER_S / 2
    assert isinstance(raised.value.__cause__, RemoteTraceback)
    assert "sleep_or_fail" in str(raised.value.__cause__)  # where it failed, over there
    if pid_file.exists():  # else it was stopped before it even began
        with pytest.raises(ProcessLookupError):
            os.kill(int(pid_file.read_text()), 0)


async def test_a_process_that_dies_without_answering_is_an_error_naming_its_exit() -> None:
    with pytest.raises(ProcessDiedError, match="exited with 3"):
        await each_in_a_process(die, [None])


class NeedsAKeyword(Exception):
    def __init__(self, message: str, *, code: int) -> None:
        super().__init__(message)  # pickles, but cannot be rebuilt from its args
        self.code = code


def fail_unportably(_: object) -> None:
    raise NeedsAKeyword("share 1 is corrupt", code=7)


async def test_an_exception_that_cannot_travel_arrives_as_its_text() -> None:
    with pytest.raises(RuntimeError, match="NeedsAKeyword: share 1 is corrupt"):
        await each_in_a_process(fail_unportably, [None])


async def test_a_cancelled_wait_stops_every_process(tmp_path: Path) -> None:
    pid_files = [tmp_path / f"sleeper{n}.pid" for n in range(2)]
    waiting = asyncio.create_task(
        each_in_a_process(sleep_or_fail, [("sleep", str(f)) for f in pid_files])
    )
    while not all(f.exists() and f.read_text() for f in pid_files):  # both asleep
        assert not waiting.done()
        await asyncio.sleep(0.05)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    for pid_file in pid_files:
        with pytest.raises(ProcessLookupError):
            os.kill(int(pid_file.read_text()), 0)
