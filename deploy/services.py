"""Start and stop the services as child processes (launcher, race tests, benchmarks)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import structlog

from shared.kit.http.server import uvicorn_flags

log = structlog.get_logger("deploy.services")
ROOT = Path(__file__).resolve().parent.parent


DEFAULT_COMMAND_PORT = 8000
COMMAND_APP = "command_service.api.app:app_from_env"
QUERY_APP = "query_service.app:app_from_env"
SANDBOX_APP = "sandbox_provider.app:app_from_env"


def start_service(
    app: str,
    port: int,
    workers: int = 1,
    env: dict[str, str] | None = None,
    log_path: Path | None = None,
    state_dir: Path | None = None,
) -> subprocess.Popen[bytes]:
    """uvicorn running `app` (a factory path) on 127.0.0.1:`port`."""
    child_env = {**os.environ, **(env or {})}
    if workers > 1:  # Prometheus must merge the workers' metrics
        metrics_dir = (state_dir or ROOT / ".fleetledger") / f"metrics-{port}"
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        child_env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    args = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--timeout-graceful-shutdown",
        "5",
        *uvicorn_flags(),
    ]
    out = open(log_path, "ab") if log_path else None  # noqa: SIM115 (the child owns it)
    proc = subprocess.Popen(
        args,
        cwd=ROOT,
        env=child_env,
        stdout=out or None,
        stderr=subprocess.STDOUT if out else None,
        start_new_session=True,
    )
    if out:
        out.close()
    return proc


def start_command_service(
    port: int,
    database_url: str,
    workers: int = 1,
    env: dict[str, str] | None = None,
    log_path: Path | None = None,
    state_dir: Path | None = None,
) -> subprocess.Popen[bytes]:
    """The command service on 127.0.0.1:`port` against `database_url`."""
    child_env = {"FLEET_COMMAND_DATABASE_URL": database_url, **(env or {})}
    return start_service(COMMAND_APP, port, workers, child_env, log_path, state_dir)


def start_ready(
    app: str,
    port: int,
    workers: int,
    env: dict[str, str],
    state_dir: Path | None = None,
    abort: threading.Event | None = None,
    timeout_s: float = 90.0,
    until: Callable[[dict[str, Any]], bool] | None = None,
) -> subprocess.Popen[bytes]:
    """`start_service`, returned once its `/readyz` answers 200; killed if it never does
    (or if `abort` is set meanwhile: the launcher is stopping)."""
    proc = start_service(app, port, workers, env=env, state_dir=state_dir)
    try:
        wait_ready(f"http://127.0.0.1:{port}/readyz", proc, timeout_s, abort, until)
    except (RuntimeError, TimeoutError):
        kill(proc)
        raise
    return proc


def token_command(state_dir: Path, command_port: int) -> str:
    """The shell command that prints an admin token for the stack kept in `state_dir`."""
    env = []
    if state_dir.resolve() != (ROOT / ".fleetledger").resolve():
        shown = state_dir.relative_to(ROOT) if state_dir.is_relative_to(ROOT) else state_dir
        env.append(f"FLEET_STATE_DIR={shown}")
    if command_port != DEFAULT_COMMAND_PORT:
        env.append(f"FLEET_COMMAND_URL=http://127.0.0.1:{command_port}")
    return " ".join([*env, "make -s token"])


def consuming(readiness: dict[str, Any]) -> bool:
    """A query service's consumer owns partitions (ready replicas may still be joining)."""
    return bool(readiness.get("consumer", {}).get("state", "consuming") == "consuming")


def wait_ready(
    url: str,
    proc: subprocess.Popen[bytes],
    timeout_s: float = 30.0,
    abort: threading.Event | None = None,
    until: Callable[[dict[str, Any]], bool] | None = None,
) -> None:
    """Poll `url` until it answers 200 (and its body satisfies `until`); fail early if
    the process died or `abort` is set (the launcher is stopping)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"service exited with code {proc.returncode} before ready")
        if abort is not None and abort.is_set():
            raise RuntimeError("startup aborted")
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                if resp.status == 200 and (until is None or until(json.loads(resp.read()))):
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} not ready after {timeout_s}s")


def answers(url: str, timeout_s: float = 3.0) -> bool:
    """True when `url` answers 200 within `timeout_s` (a liveness probe)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as resp:
            return bool(resp.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def kill(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process group we started and reap its leader."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def stop(proc: subprocess.Popen[bytes], timeout_s: float = 15.0) -> None:
    """SIGTERM the process group we started (uvicorn and its workers); SIGKILL if stuck."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
