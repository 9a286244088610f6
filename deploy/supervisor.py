"""Keep the launcher's children alive: restart a dead one with exponential backoff.

One watcher thread per component waits on its process (and probes it, if it has a
liveness probe: a hung process is killed). When the process dies the watcher logs why
(exit code or signal), kills what is left of its process group (a
SIGKILLed uvicorn master leaves its workers behind, still holding the port), waits the
backoff and starts the component again. The other components keep running meanwhile:
that is the failure isolation (a dead query service never stops writes, a dead
command service never stops reads of what is already projected).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import structlog

log = structlog.get_logger("deploy.supervisor")

Proc = subprocess.Popen[bytes]
FIRST_DELAY_S = 0.5
MAX_DELAY_S = 30.0
HEALTHY_AFTER_S = 30.0  # a process that lived this long starts the backoff over
PROBE_INTERVAL_S = 5.0  # liveness: a process that fails this many probes in a row hangs
PROBE_FAILURES = 6
STOP_TIMEOUT_S = 40.0  # longest a PostgreSQL or broker start can take to give up
MAX_FAILED_STARTS = 8  # consecutive starts that never got ready: give up, stop the launcher


def exit_cause(returncode: int) -> str:
    """'signal SIGKILL' or 'exit code 3' from a Popen return code."""
    if returncode < 0:
        try:
            return f"signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"signal {-returncode}"
    return f"exit code {returncode}"


def backoff_delay(failures: int) -> float:
    """Seconds to wait before restart attempt `failures` + 1: 0.5, 1, 2, ... capped at 30."""
    return float(min(FIRST_DELAY_S * 2**failures, MAX_DELAY_S))


def kill_group(pid: int) -> None:
    """SIGKILL whatever is left of the process group a dead leader started."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


@dataclass
class Component:
    """`start` runs the process and returns it once ready (raising if it never is);
    `stop` ends it gracefully; `alive` (optional) probes a running one, e.g. /healthz."""

    name: str
    start: Callable[[], Proc]
    stop: Callable[[Proc], None]
    alive: Callable[[], bool] | None = None
    proc: Proc | None = None
    started_at: float = 0.0
    restarts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Supervisor:
    """Starts components in order, restarts any that dies, stops them in reverse order."""

    def __init__(self) -> None:
        self.components: list[Component] = []
        self.stopping = threading.Event()
        self.gave_up = threading.Event()
        self._threads: list[threading.Thread] = []

    def add(self, component: Component) -> Component:
        """Start `component` now (blocking until ready) and watch it from then on."""
        component.proc, component.started_at = component.start(), time.monotonic()
        self.components.append(component)
        thread = threading.Thread(target=self._watch, args=(component,), daemon=True)
        thread.start()
        self._threads.append(thread)
        return component

    def find(self, name: str) -> Component:
        return next(c for c in self.components if c.name == name)

    def stop(self) -> None:
        """Stop every component, last started first; no restart after this."""
        self.stopping.set()
        for component in reversed(self.components):
            with component.lock:
                if component.proc is not None:
                    component.stop(component.proc)
        for thread in self._threads:  # a restart under way aborts, or stops what it started
            thread.join(timeout=STOP_TIMEOUT_S)

    def _watch(self, component: Component) -> None:
        failures = 0
        while True:
            proc = component.proc
            assert proc is not None
            returncode = self._wait_dead(component, proc)
            if self.stopping.is_set():
                return
            uptime = time.monotonic() - component.started_at
            failures = 0 if uptime > HEALTHY_AFTER_S else failures
            log.error(
                "component_died",
                component=component.name,
                pid=proc.pid,
                cause=exit_cause(returncode),
                uptime_s=round(uptime, 1),
            )
            kill_group(proc.pid)
            failures = self._restart(component, failures)
            if failures < 0:
                return

    def _wait_dead(self, component: Component, proc: Proc) -> int:
        """`proc`'s return code; a process that keeps failing its probe is killed first."""
        misses = 0
        while True:
            try:
                return proc.wait(timeout=PROBE_INTERVAL_S)
            except subprocess.TimeoutExpired:
                pass
            if component.alive is None or self.stopping.is_set():
                continue
            misses = 0 if component.alive() else misses + 1
            if misses >= PROBE_FAILURES:
                log.error("component_hung", component=component.name, pid=proc.pid, probes=misses)
                kill_group(proc.pid)

    def _restart(self, component: Component, failures: int) -> int:
        """Start again after the backoff; the new failure count, -1 when done for good."""
        while failures < MAX_FAILED_STARTS:
            delay = backoff_delay(failures)
            failures += 1
            if self.stopping.wait(delay):
                return -1
            try:
                proc = component.start()
            except Exception as exc:
                log.error("component_restart_failed", component=component.name, error=str(exc))
                continue
            with component.lock:
                component.proc, component.started_at = proc, time.monotonic()
                component.restarts += 1
                if self.stopping.is_set():
                    component.stop(proc)
                    return -1
            log.warning("component_restarted", component=component.name, pid=proc.pid)
            return failures
        log.critical("component_abandoned", component=component.name, attempts=failures)
        self.gave_up.set()
        return -1

    def serve(self, stop_requested: threading.Event, tick: Callable[[], None] | None = None) -> int:
        """Until Ctrl-C/SIGTERM (0) or a component that cannot be started again (1)."""
        while not stop_requested.wait(0.5):
            if self.gave_up.is_set():
                return 1
            if tick is not None:
                tick()
        return 0


def stop_on_signals() -> threading.Event:
    """An event set by SIGINT or SIGTERM (the children run in their own sessions)."""
    requested = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: requested.set())
    return requested
