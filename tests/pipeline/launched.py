"""`make run` as a test sees it: the real launcher on free ports over a temp state dir."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from deploy.accounts import StartupAccounts
from deploy.postgres import free_port
from deploy.services import ROOT
from tests.loopback import Loopback

UP_BANNER = "Fleetledger is up"
# A launcher child is recognised by its command line.
CHILDREN = {
    "postgres": "pginstall/bin/postgres",
    "broker": "tansu",
    "command": "command_service.api.app",
    "query": "query_service.app",
    "sandbox": "sandbox_provider.app",
}


@dataclass
class Launched(Loopback):
    """`python -m deploy.launcher run` started and stopped by PID, output in `log`."""

    state_dir: Path
    command_workers: int = 2
    pg_port: int = field(default_factory=free_port)
    broker_port: int = field(default_factory=free_port)
    sandbox_port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> Path:
        return self.state_dir / "launcher.log"

    @property
    def accounts(self) -> StartupAccounts:
        return StartupAccounts.load_or_create(self.state_dir)

    @property
    def sandbox_url(self) -> str:
        return f"http://127.0.0.1:{self.sandbox_port}"

    @property
    def command_dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.pg_port}/fleet_command"

    @property
    def query_dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.pg_port}/fleet_query"

    def env(self) -> dict[str, str]:
        """What a user's shell next to this stack would have (state dir, command URL)."""
        return {
            **os.environ,
            "FLEET_STATE_DIR": str(self.state_dir),
            "FLEET_COMMAND_URL": self.command_url,
        }

    def start(self, timeout_s: float = 150.0) -> None:
        """Start the launcher and wait for its banner (both services ready)."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        env = {
            **self.env(),
            "FLEET_PG_PORT": str(self.pg_port),
            "FLEET_BROKER_PORT": str(self.broker_port),
            "FLEET_SANDBOX_PORT": str(self.sandbox_port),
            "FLEET_LOG_LEVEL": "WARNING",
        }
        args = [sys.executable, "-m", "deploy.launcher", "run"]
        args += ["--port", str(self.command_port), "--query-port", str(self.query_port)]
        args += ["--workers", str(self.command_workers)]
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout_s
        while UP_BANNER not in self.log.read_text(errors="replace"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"launcher never came up:\n{self.tail()}")
            time.sleep(0.25)

    def child(self, name: str) -> psutil.Process:
        """The launcher's live child `name` (postgres, broker, sandbox, command, query)."""
        assert self.proc is not None
        for child in psutil.Process(self.proc.pid).children():
            try:
                if CHILDREN[name] in " ".join(child.cmdline()):
                    return child
            except psutil.NoSuchProcess:
                continue
        raise LookupError(f"no live {name} child")

    def kill(self, name: str) -> int:
        """SIGKILL the child `name`, as a crash or the OOM killer would; returns its pid."""
        pid = self.child(name).pid
        os.kill(pid, signal.SIGKILL)
        return pid

    def log_events(self, event: str) -> list[dict]:
        """The launcher's own structlog lines named `event`."""
        found = []
        for line in self.log.read_text(errors="replace").splitlines():
            if f'"{event}"' in line:
                try:
                    found.append(json.loads(line))
                except ValueError:
                    continue
        return found

    def tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def stop(self, timeout_s: float = 60.0) -> None:
        """Ctrl-C the launcher; if it hangs, SIGKILL it and every process it started."""
        if self.proc is None or self.proc.poll() is not None:
            return
        descendants = psutil.Process(self.proc.pid).children(recursive=True)
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            for process in [psutil.Process(self.proc.pid), *descendants]:
                try:
                    process.kill()
                except psutil.NoSuchProcess:
                    continue
            self.proc.wait()


@contextmanager
def launched(**kwargs: int) -> Iterator[Launched]:
    """A started launcher over a fresh state dir, stopped and removed afterwards.

    The state dir is not under pytest's base temp: a concurrent pytest run resets that
    to 0700, which the unprivileged PostgreSQL user then cannot traverse.
    """
    state_dir = Path(tempfile.mkdtemp(prefix="fleet-launched-"))
    stack = Launched(state_dir, **kwargs)
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()
        shutil.rmtree(state_dir, ignore_errors=True)
