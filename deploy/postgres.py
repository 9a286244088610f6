"""Embedded PostgreSQL from the `pgserver` wheel: initdb once, run on loopback, stop by PID.

We use pgserver's bundled binaries but own the server process ourselves (instead of
pgserver's atexit-managed handle) so that the launcher and the test fixtures can choose
the port and settings, and stop exactly the process they started.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import structlog

log = structlog.get_logger("deploy.postgres")

# Bounds from DESIGN §3a: a long-open transaction holds the relay's horizon back.
SERVER_SETTINGS = {
    "max_connections": "400",
    "shared_buffers": "256MB",
    "idle_in_transaction_session_timeout": "60s",
    "listen_addresses": "127.0.0.1",
    "log_min_messages": "warning",
    "wal_level": "replica",
}
RUN_AS = "pgserver"  # postgres refuses to run as root


def free_port() -> int:
    """A TCP port on loopback that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _bin_dir() -> Path:
    """pgserver's bundled binaries, found without importing the package (its import
    has side effects: platformdirs warnings, a global lock file)."""
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the pgserver wheel is not installed: run `make venv`")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _bin(name: str) -> str:
    return str(_bin_dir() / name)


def _open_up(path: Path) -> None:
    """Let other users traverse every parent of `path` and read the install tree."""
    for parent in [path, *path.parents]:
        parent.chmod(parent.stat().st_mode | 0o055)


def _prepare_for_root(data_dir: Path) -> dict[str, int]:
    """When running as root, run postgres as an unprivileged user that owns `data_dir`."""
    if os.geteuid() != 0:
        return {}
    import pwd

    try:
        entry = pwd.getpwnam(RUN_AS)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", RUN_AS], check=True)
        entry = pwd.getpwnam(RUN_AS)
    install = _bin_dir().parent
    _open_up(install)
    for root, dirs, files in os.walk(install):
        for name in dirs + files:
            target = Path(root, name)
            target.chmod(target.stat().st_mode | 0o055)
    _open_up(data_dir)
    for path in (data_dir, *data_dir.rglob("*")):
        os.chown(path, entry.pw_uid, entry.pw_gid)
    return {"user": entry.pw_uid, "group": entry.pw_gid}


@dataclass
class EmbeddedPostgres:
    """A PostgreSQL server whose data lives in `data_dir` and which listens on `port`."""

    data_dir: Path
    port: int = field(default_factory=free_port)
    settings: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pgdata"

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self, timeout_s: float = 30.0) -> None:
        """initdb on first use, then start the server and wait until it accepts connections."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.pgdata.mkdir(exist_ok=True)
        creds = _prepare_for_root(self.data_dir)
        if not (self.pgdata / "PG_VERSION").exists():
            subprocess.run(
                [
                    _bin("initdb"),
                    "-D",
                    str(self.pgdata),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--no-instructions",
                ],
                check=True,
                capture_output=True,
                user=creds.get("user"),
                group=creds.get("group"),
            )
        socket_dir = self.data_dir / "sock"
        socket_dir.mkdir(exist_ok=True)
        if creds:
            os.chown(socket_dir, creds["user"], creds["group"])
        args = [
            _bin("postgres"),
            "-D",
            str(self.pgdata),
            "-p",
            str(self.port),
            "-k",
            str(socket_dir),
        ]
        for key, value in {**SERVER_SETTINGS, **self.settings}.items():
            args += ["-c", f"{key}={value}"]
        log_file = open(self.data_dir / "postgres.log", "ab")  # noqa: SIM115 (the server's)
        self.process = subprocess.Popen(
            args,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            user=creds.get("user"),
            group=creds.get("group"),
        )
        log_file.close()
        self._wait_ready(timeout_s)
        log.info("postgres_started", port=self.port, pid=self.process.pid, data=str(self.pgdata))

    def _wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        assert self.process is not None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = (self.data_dir / "postgres.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"postgres exited with {self.process.returncode}:\n{tail}")
            ready = subprocess.run(
                [_bin("pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"],
                capture_output=True,
            )
            if ready.returncode == 0:
                return
            time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"postgres did not accept connections within {timeout_s}s")

    def stop(self, timeout_s: float = 20.0) -> None:
        """Fast shutdown (SIGINT) of the server we started; SIGKILL if it hangs."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        log.info("postgres_stopped", pid=self.process.pid)

    def create_database(self, name: str) -> None:
        """CREATE DATABASE if it does not exist (psql over loopback)."""
        exists = self._psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'")
        if exists.strip() != "1":
            self._psql(f'CREATE DATABASE "{name}"')

    def _psql(self, sql: str) -> str:
        result = subprocess.run(
            [
                _bin("psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-tAc",
                sql,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        return result.stdout
